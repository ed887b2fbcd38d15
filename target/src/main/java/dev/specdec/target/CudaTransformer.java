package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Tensor;
import dev.specdec.kernels.cuda.CudaKernel;
import dev.specdec.kernels.cuda.Cuda;
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
    private final DeviceTensor[][] mats;       // per layer: q, k, v, qkv, o, gate, up, down
    private final CUdeviceptr[][] vecs;        // per layer: attnNorm, bq, bk, bv, postAttnNorm, ffnNorm, postFfnNorm
    private final CUdeviceptr outNorm, invFreq;
    private final CUdeviceptr[] kc, vc;
    private final CUdeviceptr tokens, x, xb, q, k, v, qkv, att, ao, gate, up, gateUp, down, logits;
    private final float mscale;
    private final int[] tokenBuf = new int[B];

    private record DeviceTensor(CUdeviceptr data, GgmlType type, long rowBytes, int in, int out) {}

    public CudaTransformer(ModelWeights weights, int contextLength) {
        this.w = weights;
        this.c = weights.config();
        this.kv = new KvState(contextLength, c.vocabSize());
        if (contextLength > 12_288) throw new IllegalArgumentException("the CUDA backend supports contexts up to 12288 tokens for now, not " + contextLength);
        this.cuda = new Cuda();
        cuda.bind();
        embd = upload(weights.tokenEmbedding());
        output = weights.output() == weights.tokenEmbedding() ? embd : upload(weights.output());
        int L = c.layers();
        mats = new DeviceTensor[L][];
        vecs = new CUdeviceptr[L][];
        for (int l = 0; l < L; l++) {
            LayerWeights lw = weights.layers().get(l);
            mats[l] = new DeviceTensor[] {upload(lw.wq()), upload(lw.wk()), upload(lw.wv()), upload(lw.wqkv()), upload(lw.wo()),
                    upload(lw.wGate()), upload(lw.wUp()), upload(lw.wDown())};
            vecs[l] = new CUdeviceptr[] {vec(lw.attnNorm()), vec(lw.bq()), vec(lw.bk()), vec(lw.bv()), vec(lw.postAttnNorm()),
                    vec(lw.ffnNorm()), vec(lw.postFfnNorm())};
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
        if (t == null) return null;
        return new DeviceTensor(cuda.upload(t.data()), t.type(), t.rowBytes(), t.cols(), t.rows());
    }

    private CUdeviceptr vec(float[] a) { return a == null ? null : cuda.upload(a); }

    @Override public ModelConfig config() { return c; }
    @Override public int vocabularySize() { return c.vocabSize(); }
    @Override public Tokenizer tokenizer() { return w.tokenizer(); }
    @Override public int contextLength() { return kv.capacity(); }
    @Override public int cachedLength() { return kv.length(); }
    @Override public void truncate(int n) { kv.truncate(n); }

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
                    if (s + t < logitsOut.length && logitsOut[s + t] != null) cuda.download(logitsOut[s + t], 0, logits, (long) t * c.vocabSize(), c.vocabSize());
                }
            }
        }
        cuda.sync();
    }

    private void pass(int T, int pos) {
        int dim = c.dim(), qd = c.qDim(), kvd = c.kvDim(), ffn = c.ffn();
        cuda.uploadInts(tokens, tokenBuf, T);
        cuda.launch(CudaKernel.EMBED, embd.type(), T, THREADS, 0, embd.data(), embd.rowBytes(), tokens, x, dim, c.embedScale());
        for (int l = 0; l < c.layers(); l++) {
            DeviceTensor[] m = mats[l];
            CUdeviceptr[] vv = vecs[l];
            cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, vv[0], xb, dim, c.rmsEps());
            if (m[3] != null) {
                matmul(m[3], xb, qkv, T);
                int stride = qd + 2 * kvd;
                copyCols(qkv, q, T, stride, 0, qd, 0, qd);
                copyCols(qkv, k, T, stride, qd, kvd, 0, kvd);
                copyCols(qkv, v, T, stride, qd + kvd, kvd, 0, kvd);
            } else {
                matmul(m[0], xb, q, T);
                matmul(m[1], xb, k, T);
                matmul(m[2], xb, v, T);
            }
            if (vv[1] != null) elementwise(CudaKernel.ADD_BIAS, q, vv[1], qd, (long) T * qd);
            if (vv[2] != null) elementwise(CudaKernel.ADD_BIAS, k, vv[2], kvd, (long) T * kvd);
            if (vv[3] != null) elementwise(CudaKernel.ADD_BIAS, v, vv[3], kvd, (long) T * kvd);
            int neox = c.ropeLayout() == dev.specdec.kernels.Rope.Layout.NEOX ? 1 : 0;
            cuda.launch(CudaKernel.ROPE, T, THREADS, 0, q, c.heads(), c.headDim(), c.ropeDims(), invFreq, pos, neox, mscale);
            cuda.launch(CudaKernel.ROPE, T, THREADS, 0, k, c.kvHeads(), c.headDim(), c.ropeDims(), invFreq, pos, neox, mscale);
            cuda.copy(kc[l], (long) pos * kvd, k, 0, (long) T * kvd);
            cuda.copy(vc[l], (long) pos * kvd, v, 0, (long) T * kvd);
            int window = c.windowed(l) ? c.slidingWindow() : 0;
            cuda.launch(CudaKernel.ATTENTION, T * c.heads(), 128, 4 * (pos + T), q, kc[l], vc[l], att, c.heads(), c.kvHeads(), c.headDim(), kvd, pos,
                    window, c.queryScale(), c.attnSoftCap());
            matmul(m[4], att, ao, T);
            if (vv[4] != null) cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, ao, vv[4], ao, dim, c.rmsEps());
            add(x, ao, (long) T * dim);
            cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, vv[5], xb, dim, c.rmsEps());
            if (m[5] == null) {
                matmul(m[6], xb, gateUp, T);
                copyCols(gateUp, gate, T, 2 * ffn, 0, ffn, 0, ffn);
                copyCols(gateUp, up, T, 2 * ffn, ffn, ffn, 0, ffn);
            } else {
                matmul(m[5], xb, gate, T);
                matmul(m[6], xb, up, T);
            }
            long n = (long) T * ffn;
            cuda.launch(c.gelu() ? CudaKernel.GELU_MUL : CudaKernel.SILU_MUL, grid(n), THREADS, 0, gate, up, n);
            matmul(m[7], gate, down, T);
            if (vv[6] != null) cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, down, vv[6], down, dim, c.rmsEps());
            add(x, down, (long) T * dim);
        }
        kv.filledTo(pos + T);
        cuda.launch(CudaKernel.RMSNORM, T, THREADS, 0, x, outNorm, xb, dim, c.rmsEps());
        matmul(output, xb, logits, T);
        if (c.finalSoftCap() > 0) cuda.launch(CudaKernel.SOFTCAP, grid((long) T * c.vocabSize()), THREADS, 0, logits, (long) T * c.vocabSize(), c.finalSoftCap());
    }

    private void matmul(DeviceTensor wt, CUdeviceptr in, CUdeviceptr out, int T) {
        cuda.launch(CudaKernel.MATMUL, wt.type(), wt.out(), THREADS, 0, wt.data(), wt.rowBytes(), in, out, wt.in(), wt.out(), T);
    }

    private void add(CUdeviceptr a, CUdeviceptr b, long n) { cuda.launch(CudaKernel.ADD, grid(n), THREADS, 0, a, b, n); }

    private void elementwise(CudaKernel name, CUdeviceptr a, CUdeviceptr b, int rowLength, long total) {
        cuda.launch(name, grid(total), THREADS, 0, a, b, rowLength, total);
    }

    private void copyCols(CUdeviceptr src, CUdeviceptr dst, int rows, int srcStride, int srcOff, int dstStride, int dstOff, int n) {
        cuda.launch(CudaKernel.COPY_COLS, grid((long) rows * n), THREADS, 0, src, dst, rows, srcStride, srcOff, dstStride, dstOff, n);
    }

    private static int grid(long n) { return (int) Math.max(1, Math.min(65_535, (n + THREADS - 1) / THREADS)); }

    @Override public int commonPrefix(int[] tokens, int n) { return kv.commonPrefix(tokens, n); }

    @Override public void close() { cuda.close(); }
}
