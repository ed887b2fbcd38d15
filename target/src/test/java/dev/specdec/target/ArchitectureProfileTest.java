package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.kernels.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The synthesizer and the loader read the same {@link ArchitectureProfile}: a model written for an
 * architecture loads back with that architecture's shapes and switch points, and runs.
 */
class ArchitectureProfileTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aSynthesizedModelLoadsBackWithItsProfile(Architecture arch, @TempDir Path dir) throws IOException {
        Path file = dir.resolve(arch.ggufName() + ".gguf");
        ModelSynthesizer.write(arch, ModelSynthesizer.shape("tiny"), GgmlType.F32, 3, file, null, false);
        ArchitectureProfile p = arch.profile();
        try (ModelWeights w = ModelLoader.load(file)) {
            ModelConfig c = w.config();
            assertSame(arch, c.architecture());
            assertEquals(p.ropeLayout(), c.ropeLayout());
            assertEquals(p.activation(), c.activation());
            assertEquals(p.embeddingsScaled() ? (float) Math.sqrt(c.dim()) : 1f, c.embedScale());
            assertEquals(p.attnSoftCap(), c.attnSoftCap());
            assertEquals(p.finalSoftCap(), c.finalSoftCap());
            assertEquals(p.tiedOutput(), w.output() == w.tokenEmbedding());
            for (LayerWeights l : w.layers()) {
                assertEquals(p.fusedQkv(), l.attention() instanceof LayerWeights.Attention.Fused);
                assertEquals(p.fusedGateUp(), l.ffn() instanceof LayerWeights.Ffn.FusedGateUp);
                assertEquals(p.qkvBias(), l.bias() instanceof LayerWeights.Bias.Qkv);
                assertEquals(p.postNorms(), l.postNorms() instanceof LayerWeights.PostNorms.Rms);
            }
            try (Transformer t = w.newSession(16, 1, KvCache.Type.F32)) {
                float[][] logits = new float[2][c.vocabSize()];
                t.forward(new int[] {1, 5}, 2, 0, logits);
                for (float v : logits[1]) assertTrue(Float.isFinite(v), arch + ": non-finite logit");
            }
        }
    }

    @Test
    void anUnknownArchitectureIsRefusedNamingTheSupportedOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mamba.gguf");
        ModelSynthesizer.writer(
                        Architecture.LLAMA,
                        ModelSynthesizer.shape("tiny"),
                        GgmlType.F32,
                        3,
                        ModelSynthesizer.Options.DEFAULT)
                .put("general.architecture", GgufValue.string("mamba"))
                .write(file, false);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(file));
        assertEquals(file, e.file());
        assertEquals("metadata 'general.architecture'", e.field());
        assertTrue(
                e.getMessage()
                        .contains(
                                "expected one of the supported architectures (llama, qwen2, gemma, gemma2, phi3), found 'mamba'"),
                e.getMessage());
    }

    @Test
    void gemma2sQueryScaleFollowsTheModelSize() {
        var q = ArchitectureProfile.QueryScale.GEMMA2;
        assertEquals((float) (1 / Math.sqrt(256)), q.scale(2304, 8, 256, 26));
        assertEquals(
                (float) (1 / Math.sqrt(4608 / 32.0)),
                q.scale(4608, 32, 128, ArchitectureProfile.QueryScale.GEMMA2_27B_LAYERS));
        assertEquals((float) (1 / Math.sqrt(128)), ArchitectureProfile.QueryScale.HEAD_DIM.scale(4608, 32, 128, 46));
    }
}
