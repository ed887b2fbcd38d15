package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.verifier.ExactDistributionTest.Case;
import dev.specdec.verifier.ExactDistributionTest.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exactness tests have teeth: each deliberate bug ({@link Mutant}, and the drafter's top-mode
 * hook) is switched on in the real decoder or drafter, and the very test that guards against it,
 * with its own N, seeds and level, fails. Killing test per mutant:
 * <ul>
 *   <li>penalty history without the drafts: {@link ExactDistributionTest} "sampled q4_0 draft, k=2,
 *       bonus token in the window" (rejection): it emits repeats the target's support does not have;
 *       and the repeat-rate test alone on "mild penalties, repeats possible" (where repeats are in
 *       the support and only their rate changes)
 *   <li>bonus token from the wrong row, residual without subtracting q, accepting with min(1, q/p):
 *       the same case, under rejection and under block verification
 *   <li>top-mode q treated as sampled: "top-token q2_k draft, k=3" (rejection)
 *   <li>gumbel noise keyed by step instead of position: {@link GumbelInvarianceTest}
 * </ul>
 */
class MutantTest {

    static void assertKilled(Case c, VerifyMode mode, Mutant m, boolean topQAsSampled) {
        Outcome o = ExactDistributionTest.run(c, mode, m, topQAsSampled);
        String what = (topQAsSampled ? "top-mode q as sampled" : m) + " under " + mode + " on '" + c + "'";
        System.out.println("mutant " + what + ": " + o);
        assertTrue(
                o.gofP() < ExactDistributionTest.ALPHA || o.repeatP() < ExactDistributionTest.ALPHA,
                what + " survived: " + o);
    }

    @Test
    void penaltyHistoryWithoutTheDraftsIsCaught() {
        assertKilled(ExactDistributionTest.SHORT, VerifyMode.REJECTION, Mutant.PENALTY_HISTORY_WITHOUT_DRAFTS, false);
        // where repeats are possible at all, the repeat-rate test alone sees it
        Outcome o = ExactDistributionTest.run(
                ExactDistributionTest.REPEATS, VerifyMode.REJECTION, Mutant.PENALTY_HISTORY_WITHOUT_DRAFTS, false);
        System.out.println("mutant PENALTY_HISTORY_WITHOUT_DRAFTS on '" + ExactDistributionTest.REPEATS + "': " + o);
        assertTrue(o.repeatP() < ExactDistributionTest.ALPHA, "the repeat-rate test missed the history bug: " + o);
    }

    @ParameterizedTest
    @EnumSource(
            value = Mutant.class,
            names = {"BONUS_FROM_WRONG_ROW", "RESIDUAL_WITHOUT_Q", "ACCEPT_Q_OVER_P"})
    void verifierBugsAreCaughtUnderRejectionAndBlock(Mutant m) {
        assertKilled(ExactDistributionTest.SHORT, VerifyMode.REJECTION, m, false);
        assertKilled(ExactDistributionTest.SHORT, VerifyMode.BLOCK, m, false);
    }

    @Test
    void topModeQTreatedAsSampledIsCaught() {
        assertKilled(ExactDistributionTest.TOP, VerifyMode.REJECTION, Mutant.NONE, true);
    }

    @Test
    void gumbelNoiseKeyedByStepIsCaught() {
        String diff = GumbelInvarianceTest.firstDifference(
                "llama2-spm-d256-f32.gguf",
                "llama2-spm-d256-q4_0.gguf",
                new int[] {1, 45, 96, 45, 96, 17},
                Mutant.GUMBEL_KEYED_BY_STEP);
        assertNotNull(diff, "gumbel noise keyed by step survived: speculative output still equals plain");
    }
}
