package dev.specdec.bench.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.draft.CostModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep's arithmetic on hand-computed cases; the report renders what it should. */
class SweepMathTest {

    @Test
    void expectedTokensAndPredictedSpeedupMatchHandComputedValues() {
        // a = 0.8, k = 4: (1 - 0.8^5) / 0.2 = (1 - 0.32768) / 0.2 = 3.3616
        assertEquals(3.3616, CostModel.expectedTokens(0.8, 4), 1e-9);
        assertEquals(1.0, CostModel.expectedTokens(0.0, 7), 1e-12);
        assertEquals(5.0, CostModel.expectedTokens(1.0, 4), 1e-12);
        // cost 1.3 (pass of 5 rows) + 4 * 0.1 = 1.7  ->  3.3616 / 1.7
        assertEquals(3.3616 / 1.7, SweepSummary.predictedSpeedup(0.8, 0.1, 1.3, 4), 1e-9);
        // the prior cost model (pass of b rows 1 + 0.1 (b - 1), draft 0.1): k = 4 costs 1.4 + 0.4 = 1.8
        CostModel m = CostModel.assumed();
        double best = 0;
        int bestK = 0;
        for (int k = 1; k <= 12; k++)
            if (m.speedup(0.8, k) > best) {
                best = m.speedup(0.8, k);
                bestK = k;
            }
        assertEquals(bestK, m.bestK(0.8, 12));
        assertEquals(3.3616 / 1.8, m.speedup(0.8, 4), 1e-9);
    }

    /** A run whose decode steps made {@code gen} tokens in {@code decodeMs}, after the first token. */
    static RunRecord rec(
            String prompt,
            String cat,
            String draft,
            int k,
            double decodeMs,
            int gen,
            long calls,
            long drafted,
            long accepted,
            long[] prop,
            long[] acc,
            long[] hist) {
        return new RunRecord(
                prompt,
                cat,
                1000,
                draft,
                k,
                k == 0 ? "plain" : "fixed",
                0f,
                gen + 1, // and the first token, from the prompt's pass, before decoding
                calls,
                drafted,
                accepted,
                prop,
                acc,
                hist,
                k == 0 ? 0 : 2.0 * calls,
                decodeMs * 0.9,
                0.1,
                decodeMs + 7, // total: the first token at 7 ms, then decodeMs of decoding
                5,
                7,
                gen * 1000.0 / decodeMs,
                new double[] {7, 3, 3},
                null);
    }

    @Test
    void summaryStatisticsOfKnownInputs() {
        List<RunRecord> rs = new ArrayList<>();
        // baselines: 100 ms for 10 tokens on both prompts
        rs.add(rec("a", "story", "none", 0, 100, 10, 10, 0, 0, new long[0], new long[0], new long[] {0}));
        rs.add(rec("b", "code", "none", 0, 100, 10, 10, 0, 0, new long[0], new long[0], new long[] {0}));
        // k = 2: prompt a twice as fast (50 ms), prompt b as fast (100 ms)
        rs.add(rec("a", "story", "d", 2, 50, 10, 4, 8, 6, new long[] {4, 4}, new long[] {4, 2}, new long[] {0, 2, 2}));
        rs.add(rec("b", "code", "d", 2, 100, 10, 6, 12, 4, new long[] {6, 6}, new long[] {3, 1}, new long[] {3, 2, 1}));
        var rows = SweepSummary.summarize(rs);
        assertEquals(1, rows.size());
        var r = rows.getFirst();
        assertEquals(10.0 / 20, r.alpha(), 1e-12); // (6 + 4) / (8 + 12)
        assertEquals(1.5, r.speedup(), 1e-12); // mean of 2.0 and 1.0
        assertEquals(7.0 / 10, r.perPosition()[0], 1e-12); // (4 + 3) / (4 + 6)
        assertEquals(3.0 / 10, r.perPosition()[1], 1e-12);
        assertEquals(20.0 / 10, r.tokensPerCall(), 1e-12);
        assertEquals(2.0, r.speedupByCategory().get("story"), 1e-12);
        assertEquals(1.0, r.speedupByCategory().get("code"), 1e-12);
        assertTrue(r.speedupCi()[0] >= 1.0 && r.speedupCi()[1] <= 2.0 && r.speedupCi()[0] <= r.speedupCi()[1]);
        assertEquals(3, r.histogram()[0]); // 0 + 3 verifications accepted nothing
        assertEquals(4, r.histogram()[1]);
        assertEquals(3, r.histogram()[2]);
    }

    @Test
    void reportRendersEveryChartWithItsSeries(@TempDir Path dir) throws Exception {
        List<RunRecord> rs = new ArrayList<>();
        rs.add(rec("a", "story", "none", 0, 100, 10, 10, 0, 0, new long[0], new long[0], new long[] {0}));
        rs.add(rec("a", "story", "d", 1, 60, 10, 6, 6, 4, new long[] {6}, new long[] {4}, new long[] {2, 4}));
        rs.add(rec("a", "story", "d", 2, 50, 10, 4, 8, 6, new long[] {4, 4}, new long[] {4, 2}, new long[] {0, 2, 2}));
        SweepReport.write(dir, rs, "{\"specdec_version\": \"test\"}");
        for (String f : new String[] {
            "summary.csv",
            "report.html",
            "speedup_vs_k.png",
            "acceptance_by_position.png",
            "accepted_length_histogram.png",
            "latency_cdf.png"
        }) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        assertEquals(
                List.of("d fixed T=0.0 measured", "d fixed T=0.0 predicted"), SweepReport.SERIES.get("speedup_vs_k"));
        assertEquals(2, SweepReport.SERIES.get("acceptance_by_position").size());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,") && html.contains("Best k") && html.contains("story"));
        assertEquals(3, Files.readAllLines(dir.resolve("summary.csv")).size()); // header + two configurations
    }

    @Test
    void replayWithCertainAcceptanceAndRejection() {
        // every position accepted with probability 1 (q >= p): the oracle drafts up to k and gets k + 1 tokens per step
        List<double[]> always = new ArrayList<>(), never = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            always.add(new double[] {0.5, 0.9, 0.9});
            never.add(new double[] {0.5, 0.0, 0.9});
        }
        CostModel costs = new CostModel(new double[] {0, 1, 1, 1, 1, 1, 1}, 0.0); // verification free, draft free
        var a = Replay.simulate(List.of(always), "fixed", 4, costs, 3);
        assertEquals(5.0, a.tokensPerStep(), 1e-12);
        assertEquals(1.0, a.acceptance(), 1e-12);
        var n = Replay.simulate(List.of(never), "fixed", 4, costs, 3);
        assertEquals(1.0, n.tokensPerStep(), 1e-12);
        assertEquals(0.0, n.acceptance(), 1e-12);
        assertEquals(1.0, Replay.simulate(List.of(never), "oracle", 4, costs, 3).tokensPerStep(), 1e-12);
        // the oracle is never worse than any fixed k on the same traces and costs
        List<double[]> mixed = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < 200; i++) mixed.add(new double[] {0.5, r.nextDouble() * 0.6, 0.9});
        CostModel real = CostModel.assumed();
        double oracle = Replay.simulate(List.of(mixed), "oracle", 8, real, 5).speedup();
        for (int k = 1; k <= 8; k++) {
            assertTrue(
                    oracle
                            >= Replay.simulate(List.of(mixed), "fixed", k, real, 5)
                                            .speedup()
                                    - 1e-12,
                    "oracle below fixed k=" + k);
        }
    }
}
