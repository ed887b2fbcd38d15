package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.target.AtomicFile;
import dev.specdec.target.LanguageModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Logits of every position, for comparing engines. */
@Command(
        name = "eval-logits",
        mixinStandardHelpOptions = true,
        description =
                "Run the tokens in one batched pass and write the logits of EVERY position as little-endian float32 [T x vocab].")
final class EvalLogitsCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Model file.")
    Path model;

    @Option(names = "--tokens", required = true, description = "Token ids, e.g. 1,2,3.")
    String tokens;

    @Option(names = "--out", required = true, description = "Output file (.f32).")
    Path out;

    @Option(names = "--force", description = "Overwrite the output file if it exists.")
    boolean force;

    @Mixin
    ModelOptions mo;

    @Override
    public Integer call() throws IOException {
        mo.check();
        int[] ids = Usage.check(spec, () -> Ids.parse(tokens, "--tokens"));
        Usage.require(spec, ids.length > 0, "--tokens is empty");
        OutputFiles.check("--out", out, force, model, mo.tokenizer);
        try (Engine engine = mo.engine(model).build();
                LanguageModel t = engine.openTargetModel(Math.max(ids.length, 1))) {
            int vocab = engine.vocabularySize();
            float[][] logits = new float[ids.length][vocab];
            t.forward(ids, ids.length, 0, logits);
            AtomicFile.write(out, force, os -> {
                ByteBuffer bb = ByteBuffer.allocate(4 * vocab).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] row : logits) {
                    bb.clear();
                    bb.asFloatBuffer().put(row);
                    os.write(bb.array());
                }
            });
            spec.commandLine().getErr().println("wrote " + ids.length + " x " + vocab + " logits to " + out);
        }
        return 0;
    }
}
