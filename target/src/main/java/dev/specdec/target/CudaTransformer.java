package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Tensor;
import dev.specdec.kernels.cuda.Cuda;
import dev.specdec.kernels.cuda.CudaKernel;
import dev.specdec.target.LayerWeights.Attention;
import dev.specdec.target.LayerWeights.Bias;
import dev.specdec.target.LayerWeights.Ffn;
import dev.specdec.target.LayerWeights.PostNorms;
import jcuda.driver.CUdeviceptr;

/**
 * The forward pass of {@link Transformer} on an NVIDIA GPU: weights uploaded once straight from
 * the mapped file, the KV cache on the device (truncation is a length change), one kernel launch
 * per step of the same sequence. One instance per generation, like the CPU session.
 */
public final class CudaTransformer implements LanguageModel {
    private static final int B = MAX_ROWS_PER_PASS;
    private static final int THREADS = 256;

    private final ModelWeights w;
    private final ModelConfig c;
    private final Cuda cuda;
    private final KvState kv;

    private final DeviceTensor embd, output;
    private final DeviceLayer[] layers;
    private final CUdeviceptr outNorm, invFreq;
    private final CUdeviceptr[] kc, vc;
    private final CUdeviceptr tokens, x, xb, q, k, v, qkv, att, ao, gate, up, gateUp, down, logits;
    private final float mscale;
    private final int[] tokenBuf = new int[B];

    private record DeviceTensor(CUdeviceptr data, GgmlType type, long rowBytes, int in, int out) {}

    /** One layer's weights in device memory, in the shapes of its {@link LayerWeights} (norms and biases as float vectors). */
    private record DeviceLayer(
            CUdeviceptr attnNorm,
            Attention<DeviceTensor> attention,
            Bias<CUdeviceptr> bias,
            DeviceTensor wo,
            CUdeviceptr ffnNorm,
            Ffn<DeviceTensor> ffn,
            DeviceTensor wDown,
            PostNorms<CUdeviceptr> postNorms) {}

    public CudaTransformer(ModelWeights weights, int contextLength) {
        this.w = weights;
        this.c = weights.config();
        this.kv = new KvState(contextLength, c.vocabSize());
        if (contextLength > 12_288)
            throw new IllegalArgumentException(
                    "the CUDA backend supports contexts up to 12288 tokens for now, not " + contextLength);
        this.cuda = new Cuda();
        cuda.bind();
        embd = upload(weights.tokenEmbedding());
        output = weights.output() == weights.tokenEmbedding() ? embd : upload(weights.output());
        int L = c.layers();
        layers = new DeviceLayer[L];
        for (int l = 0; l < L; l++) {
            LayerWeights lw = weights.layers().get(l);
            layers[l] = new DeviceLayer(
                    cuda.upload(lw.attnNorm()),
                    lw.attention().map(this::upload),
                    lw.bias().map(cuda::upload),
                    upload(lw.wo()),
                    cuda.upload(lw.ffnNorm()),
                    lw.ffn().map(this::upload),
                    upload(lw.wDown()),
                    lw.postNorms().map(cuda::upload));
        }
        outNorm = cuda.upload(weights.outputNorm());
        var rope = weights.rope(contextLength);
        invFreq = cuda.upload(rope.inverseFrequencies());
        mscale = rope.mscale();
        kc = new CUdeviceptr[L];
        vc = new CUdeviceptr[L];
        for (int l = 0; l < L; l++) {
            kc[l] = cuda.alloc(4L * contextLength * c.kvDim());
            vc[l] = cuda.alloc(4L * contextLength * c.kvDim());
        }
        tokens = cuda.alloc(4L * B);
        x = cuda.alloc(4L * B * c.dim());
        xb = cuda.alloc(4L * B * c.dim());
        q = cuda.alloc(4L * B * c.qDim());
        k = cuda.alloc(4L * B * c.kvDim());
        v = cuda.alloc(4L * B * c.kvDim());
        qkv = cuda.alloc(4L * B * (c.qDim() + 2L * c.kvDim()));
        att = cuda.alloc(4L * B * c.qDim());
        ao = cuda.alloc(4L * B * c.dim());
        gate = cuda.alloc(4L * B * c.ffn());
        up = cuda.alloc(4L * B * c.ffn());
        gateUp = cuda.alloc(4L * B * 2L * c.ffn());
        down = cuda.alloc(4L * B * c.dim());
        logits = cuda.alloc(4L * B * c.vocabSize());
    }

    private DeviceTensor upload(Tensor t) {
        return new DeviceTensor(cuda.upload(t.data()), t.type(), t.rowBytes(), t.cols(), t.rows());
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public int vocabularySize() {
        return c.vocabSize();
    }

    @Override
    public Tokenizer tokenizer() {
        return w.tokenizer();
    }

    @Override
    public int contextLength() {
        return kv.capacity();
    }

    @Override
    public int cachedLength() {
        return kv.length();
    }

    @Override
    public void truncate(int n) {
        kv.truncate(n);
    }

    @Override
    public void forward(int[] toks, int count, int position, float[][] logitsOut) {
        kv.begin(toks, count, position);
        cuda.bind();
        for (int s = 0; s < count; s += B) {
            int n = Math.min(B, count - s);
            System.arraycopy(toks, s, tokenBuf, 0, n);
            pass(n, position + s);
            if (logitsOut != null) {
                for (int t = 0; t < n; t++) {
                    if (s + t < logitsOut.length && logitsOut[s + t] != null)
                        cuda.download(logitsOut[s + t], 0, logits, (long) t * c.vocabSize(), c.vocabSize());
                }
            }
        }
        cuda.sync();
    }

    private void pass(int T, int pos) {
        int dim = c.dim(), qd = c.qDim(), kvd = c.kvDim(), ffn = c.ffn();
        cuda.uploadInts(tokens, tokenBuf, T);
        cuda.launch(
                CudaKernel.EMBED,
                embd.type(),
                T,
                THREADS,
                0,
                embd.data(),
                embd.rowBytes(),
                tokens,
                x,
                dim,
                c.embedScale());
        for (int l = 0; l < c.layers(); l++) {
            DeviceLayer layer = layers[l];
            cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, layer.attnNorm(), xb, dim, c.rmsEps());
            switch (layer.attention()) {
                case Attention.Separate<DeviceTensor>(DeviceTensor wq, DeviceTensor wk, DeviceTensor wv) -> {
                    matmul(wq, xb, q, T);
                    matmul(wk, xb, k, T);
                    matmul(wv, xb, v, T);
                }
                case Attention.Fused<DeviceTensor>(DeviceTensor wqkv) -> {
                    matmul(wqkv, xb, qkv, T);
                    int stride = qd + 2 * kvd;
                    copyCols(qkv, q, T, stride, 0, qd, 0, qd);
                    copyCols(qkv, k, T, stride, qd, kvd, 0, kvd);
                    copyCols(qkv, v, T, stride, qd + kvd, kvd, 0, kvd);
                }
            }
            if (layer.bias() instanceof Bias.Qkv<CUdeviceptr>(CUdeviceptr bq, CUdeviceptr bk, CUdeviceptr bv)) {
                elementwise(CudaKernel.ADD_BIAS, q, bq, qd, (long) T * qd);
                elementwise(CudaKernel.ADD_BIAS, k, bk, kvd, (long) T * kvd);
                elementwise(CudaKernel.ADD_BIAS, v, bv, kvd, (long) T * kvd);
            }
            int neox = c.ropeLayout() == dev.specdec.kernels.Rope.Layout.NEOX ? 1 : 0;
            cuda.launch(
                    CudaKernel.ROPE,
                    T,
                    THREADS,
                    0,
                    q,
                    c.heads(),
                    c.headDim(),
                    c.ropeDims(),
                    invFreq,
                    pos,
                    neox,
                    mscale);
            cuda.launch(
                    CudaKernel.ROPE,
                    T,
                    THREADS,
                    0,
                    k,
                    c.kvHeads(),
                    c.headDim(),
                    c.ropeDims(),
                    invFreq,
                    pos,
                    neox,
                    mscale);
            cuda.copy(kc[l], (long) pos * kvd, k, 0, (long) T * kvd);
            cuda.copy(vc[l], (long) pos * kvd, v, 0, (long) T * kvd);
            int window = c.windowed(l) ? c.slidingWindow() : 0;
            cuda.launch(
                    CudaKernel.ATTENTION,
                    T * c.heads(),
                    128,
                    4 * (pos + T),
                    q,
                    kc[l],
                    vc[l],
                    att,
                    c.heads(),
                    c.kvHeads(),
                    c.headDim(),
                    kvd,
                    pos,
                    window,
                    c.queryScale(),
                    c.attnSoftCap());
            matmul(layer.wo(), att, ao, T);
            if (layer.postNorms() instanceof PostNorms.Rms<CUdeviceptr>(CUdeviceptr attnOut, CUdeviceptr ffnOut)) {
                cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, ao, attnOut, ao, dim, c.rmsEps());
            }
            add(x, ao, (long) T * dim);
            cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, layer.ffnNorm(), xb, dim, c.rmsEps());
            switch (layer.ffn()) {
                case Ffn.Gated<DeviceTensor>(DeviceTensor wGate, DeviceTensor wUp) -> {
                    matmul(wGate, xb, gate, T);
                    matmul(wUp, xb, up, T);
                }
                case Ffn.FusedGateUp<DeviceTensor>(DeviceTensor wGateUp) -> {
                    matmul(wGateUp, xb, gateUp, T);
                    copyCols(gateUp, gate, T, 2 * ffn, 0, ffn, 0, ffn);
                    copyCols(gateUp, up, T, 2 * ffn, ffn, ffn, 0, ffn);
                }
            }
            long n = (long) T * ffn;
            CudaKernel activation = switch (c.activation()) {
                case GELU_TANH -> CudaKernel.GELU_MUL;
                case SILU -> CudaKernel.SILU_MUL;
            };
            cuda.launch(activation, grid(n), THREADS, 0, gate, up, n);
            matmul(layer.wDown(), gate, down, T);
            if (layer.postNorms() instanceof PostNorms.Rms<CUdeviceptr>(CUdeviceptr attnOut, CUdeviceptr ffnOut)) {
                cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, down, ffnOut, down, dim, c.rmsEps());
            }
            add(x, down, (long) T * dim);
        }
        kv.filledTo(pos + T);
        cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, outNorm, xb, dim, c.rmsEps());
        matmul(output, xb, logits, T);
        if (c.finalSoftCap() > 0)
            cuda.launch(
                    CudaKernel.SOFTCAP,
                    grid((long) T * c.vocabSize()),
                    THREADS,
                    0,
                    logits,
                    (long) T * c.vocabSize(),
                    c.finalSoftCap());
    }

    private void matmul(DeviceTensor wt, CUdeviceptr in, CUdeviceptr out, int T) {
        cuda.launch(
                CudaKernel.MATMUL,
                wt.type(),
                wt.out(),
                THREADS,
                0,
                wt.data(),
                wt.rowBytes(),
                in,
                out,
                wt.in(),
                wt.out(),
                T);
    }

    private void add(CUdeviceptr a, CUdeviceptr b, long n) {
        cuda.launch(CudaKernel.ADD, grid(n), THREADS, 0, a, b, n);
    }

    private void elementwise(CudaKernel name, CUdeviceptr a, CUdeviceptr b, int rowLength, long total) {
        cuda.launch(name, grid(total), THREADS, 0, a, b, rowLength, total);
    }

    private void copyCols(
            CUdeviceptr src, CUdeviceptr dst, int rows, int srcStride, int srcOff, int dstStride, int dstOff, int n) {
        cuda.launch(
                CudaKernel.COPY_COLS,
                grid((long) rows * n),
                THREADS,
                0,
                src,
                dst,
                rows,
                srcStride,
                srcOff,
                dstStride,
                dstOff,
                n);
    }

    private static int grid(long n) {
        return (int) Math.max(1, Math.min(65_535, (n + THREADS - 1) / THREADS));
    }

    @Override
    public int commonPrefix(int[] tokens, int n) {
        return kv.commonPrefix(tokens, n);
    }

    @Override
    public void close() {
        cuda.close();
    }
}
