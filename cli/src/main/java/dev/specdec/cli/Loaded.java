package dev.specdec.cli;

import dev.specdec.draft.Drafter;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelWeights;
import java.nio.file.Path;

/** The target's weights, a session on the chosen device, and the drafter if one was asked for; closed together. */
record Loaded(ModelWeights weights, LanguageModel target, Drafter drafter) implements AutoCloseable {

    static Loaded open(Path model, ModelOptions mo, DraftOptions dro) {
        ModelWeights w = mo.load(model);
        LanguageModel t = null;
        try {
            t = mo.session(w);
            Drafter d = dro != null && dro.enabled() ? dro.create(w, mo) : null;
            return new Loaded(w, t, d);
        } catch (RuntimeException e) {
            if (t != null) t.close();
            w.close();
            throw e;
        }
    }

    @Override public void close() {
        if (drafter != null) drafter.close();
        target.close();
        weights.close();
    }
}
