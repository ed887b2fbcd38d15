package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.kernels.Ops;
import dev.specdec.kernels.cuda.Cuda;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA backend. Without a GPU: the build put the kernels in the jar (when nvcc exists) and the
 * backend explains in one line why it cannot run. With a GPU (tag "gpu", run by bench/gpu-check.sh):
 * GPU logits against CPU logits for every test model, batch invariance on the GPU.
 */
class CudaBackendTest {

    static boolean nvccPresent() {
        if (Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) return true;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (Files.isExecutable(Path.of(dir, "nvcc"))) return true;
        return false;
    }

    @Test
    void kernelsAreBuiltIntoTheJarWhenNvccExists() throws IOException {
        try (InputStream in = Cuda.class.getResourceAsStream("/cuda/specdec.ptx")) {
            if (nvccPresent()) {
                assertTrue(in != null, "nvcc is installed but the PTX is not in the build");
                String ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                for (String k : new String[] {
                    "matmul_q4_0",
                    "matmul_q8_0",
                    "matmul_f16",
                    "matmul_bf16",
                    "matmul_q4_k",
                    "matmul_q6_k",
                    "rmsnorm",
                    "rope",
                    "attention",
                    "silu_mul",
                    "gelu_mul",
                    "softcap",
                    "embed_q8_0"
                }) {
                    assertTrue(ptx.contains(".entry " + k), "PTX lacks kernel " + k);
                }
            } else {
                assertFalse(Cuda.probe().available());
                assertTrue(Cuda.probe().reason().contains("nvcc"), Cuda.probe().reason());
            }
        }
    }

    @Test
    void withoutAGpuTheReasonIsOneClearLine() {
        var s = Cuda.probe();
        if (s.available()) return;
        assertFalse(s.reason().isBlank());
        assertEquals(1, s.reason().lines().count(), s.reason());
    }

    @Tag("gpu")
    @ParameterizedTest
    @ValueSource(
            strings = {
                "llama2-spm-tiny.gguf",
                "llama3-bpe-gqa-tiny.gguf",
                "qwen2-bpe-tiny.gguf",
                "gemma-spm-tiny.gguf",
                "gemma2-spm-tiny.gguf",
                "phi3-spm-tiny.gguf",
                "stories260K.gguf",
                "llama2-spm-d256-f32.gguf",
                "llama2-spm-d256-f16.gguf",
                "llama2-spm-d256-q8_0.gguf",
                "llama2-spm-d256-q4_0.gguf",
                "llama2-spm-d256-q4_1.gguf",
                "llama2-spm-d256-q5_0.gguf",
                "llama2-spm-d256-q5_1.gguf",
                "llama2-spm-d256-q2_k.gguf",
                "llama2-spm-d256-q3_k_m.gguf",
                "llama2-spm-d256-q4_k_m.gguf",
                "llama2-spm-d256-q5_k_m.gguf",
                "llama2-spm-d256-q6_k.gguf"
            })
    void gpuLogitsMatchCpuLogitsAndAreBatchInvariant(String model) {
        Assumptions.assumeTrue(
                Cuda.probe().available(), "no GPU: " + Cuda.probe().reason());
        try (ModelWeights w = ModelLoader.load(TestData.model(model));
                Transformer cpu = w.newSession(128, 2, KvCache.Type.F32);
                CudaTransformer gpu = new CudaTransformer(w, 128)) {
            int vocab = w.config().vocabSize();
            Random r = new Random(3);
            int[] tokens = new int[24];
            for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(vocab);
            float[][] a = new float[tokens.length][vocab], b = new float[tokens.length][vocab];
            cpu.forward(tokens, tokens.length, 0, a);
            gpu.forward(tokens, tokens.length, 0, b);
            for (int p = 0; p < tokens.length; p++) {
                double max = 0;
                for (int i = 0; i < vocab; i++) max = Math.max(max, Math.abs(a[p][i] - b[p][i]));
                assertTrue(max < 1e-2, model + " position " + p + ": max |gpu - cpu| = " + max);
                assertEquals(Ops.argmax(a[p], 0, vocab), Ops.argmax(b[p], 0, vocab), model + " argmax at " + p);
            }
            // batch invariance on the GPU: one token at a time gives the same bits
            gpu.truncate(0);
            float[][] one = {new float[vocab]};
            for (int p = 0; p < tokens.length; p++) {
                gpu.forward(new int[] {tokens[p]}, 1, p, one);
                assertArrayEquals(b[p], one[0], 0f, model + " GPU batch invariance at " + p);
            }
        }
    }
}
