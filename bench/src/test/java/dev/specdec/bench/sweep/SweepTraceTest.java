package dev.specdec.bench.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.engine.Engine;
import dev.specdec.engine.Session;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.TestData;
import dev.specdec.target.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep's per-token trace runs the draft model itself, so it too must feed it only tokens it has. */
class SweepTraceTest {

    @Test
    void traceOfADraftWithAPrefixVocabulary(@TempDir Path dir) throws IOException {
        Path small = TestData.model("llama2-spm-tiny.gguf");
        Path big = TestModels.withExtraTokens(small, dir.resolve("tiny-520.gguf"), 8, 7);
        try (Engine plainEngine =
                        Engine.builder(big).threads(1).contextLength(64).build();
                Engine drafted = Engine.builder(big)
                        .draft(small)
                        .threads(1)
                        .contextLength(64)
                        .build();
                Session plain = plainEngine.newSession();
                Session d = drafted.newSession()) {
            SweepRunner runner = new SweepRunner(plain, Map.of("small", d));
            // ids 515 and 517 exist in the target only
            List<double[]> trace = runner.trace(
                    new int[] {1, 300, 515},
                    new int[] {301, 517, 302},
                    SamplingParams.temperature(1f, 1),
                    d.draftModel());
            assertEquals(3, trace.size());
            assertTrue(trace.get(1)[0] > 0, "p of the target's own token");
            assertEquals(0.0, trace.get(1)[1], "q of a token beyond the draft's vocabulary");
            for (double[] row : trace) assertTrue(row[0] > 0 && row[0] <= 1 && row[2] > 0 && row[2] <= 1);
        }
    }
}
