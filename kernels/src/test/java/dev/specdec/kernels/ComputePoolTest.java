package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComputePoolTest {

    /** A second job while one runs would mix their chunks: it must fail at once, and the first must finish intact. */
    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void aSecondConcurrentJobFailsFastAndTheFirstIsUntouched(int threads) throws Exception {
        try (ComputePool pool = new ComputePool(threads)) {
            CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
            int n = 64;
            int[] out = new int[n];
            AtomicReference<Throwable> firstFailed = new AtomicReference<>();
            Thread first = Thread.ofPlatform().start(() -> {
                try {
                    pool.parallelFor(n, (s, e) -> {
                        inside.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException ex) {
                            throw new IllegalStateException(ex);
                        }
                        for (int i = s; i < e; i++) out[i] = i + 1;
                    });
                } catch (Throwable t) {
                    firstFailed.set(t);
                }
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> pool.parallelFor(n, (s, t) -> {
                        for (int i = s; i < t; i++) out[i] = -1;
                    }));
            assertTrue(e.getMessage().contains("one job at a time"), e.getMessage());
            release.countDown();
            first.join(10_000);
            if (firstFailed.get() != null) throw new AssertionError(firstFailed.get());
            int[] want = new int[n];
            for (int i = 0; i < n; i++) want[i] = i + 1;
            assertArrayEquals(want, out);
            // the pool is free again
            pool.parallelFor(n, (s, t) -> {
                for (int i = s; i < t; i++) out[i] = 0;
            });
            assertArrayEquals(new int[n], out);
        }
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void aJobThatCallsThePoolAgainFailsInsteadOfDeadlocking(int threads) {
        try (ComputePool pool = new ComputePool(threads)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> pool.parallelFor(8, (s, t) -> pool.parallelFor(4, (a, b) -> {})));
            assertTrue(
                    e.getMessage().contains("not reentrant") || e.getMessage().contains("one job at a time"),
                    e.getMessage());
        }
    }
}
