package dev.specdec.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specdec.draft.DraftProposal;
import dev.specdec.target.LanguageModel;
import org.junit.jupiter.api.Test;

/**
 * The one relation between the draft and the target module's row limits, checked where both are
 * visible: a verification pass (the last token plus every draft token) fits ONE forward pass.
 */
class PassRowsTest {
    @Test
    void aFullDraftIsVerifiedInOnePass() {
        assertEquals(LanguageModel.MAX_ROWS_PER_PASS, DraftProposal.MAX_TOKENS + 1,
                "DraftProposal.MAX_TOKENS must be LanguageModel.MAX_ROWS_PER_PASS - 1");
    }
}
