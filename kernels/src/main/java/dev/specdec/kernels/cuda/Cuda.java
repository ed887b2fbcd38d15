package dev.specdec.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import dev.specdec.kernels.GgmlType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA device, through JCuda's driver API: one context, the specdec kernels (PTX built by nvcc
 * into the jar) loaded with cuModuleLoadData, device memory, launches. {@link #probe()} tells
 * whether it can run here and, if not, why, without throwing.
 */
public final class Cuda implements AutoCloseable {
    private static final Object LOCK = new Object();
    private static CudaStatus status;

    private final CUcontext context;
    private final CUmodule module;
    private final CUfunction[] functions = new CUfunction[CudaKernel.values().length];
    private final CUfunction[][] typedFunctions = new CUfunction[CudaKernel.values().length][GgmlType.values().length];
    private final List<CUdeviceptr> allocations = new ArrayList<>();

    /** Checks, once, for the kernels, JCuda's native library, a driver and a device. */
    public static CudaStatus probe() {
        synchronized (LOCK) {
            if (status == null) status = doProbe();
            return status;
        }
    }

    private static CudaStatus doProbe() {
        if (Cuda.class.getResource("/cuda/specdec.ptx") == null) {
            return CudaStatus.unavailable(
                    "the CUDA kernels are not in this build (nvcc was not found when specdec was built)");
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0) return CudaStatus.unavailable("no CUDA device found");
            CUdevice dev = new CUdevice();
            cuDeviceGet(dev, 0);
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, dev);
            return new CudaStatus(true, "ok", new String(name).trim());
        } catch (UnsatisfiedLinkError e) {
            return CudaStatus.unavailable(
                    "no NVIDIA driver: JCuda's native library could not be loaded (is libcuda.so installed?)");
        } catch (Throwable e) {
            return CudaStatus.unavailable(
                    "no usable CUDA driver or device (" + firstLine(String.valueOf(e.getMessage())) + ")");
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").strip();
    }

    /** Opens device 0 and loads the kernels; call {@link #probe()} first. */
    public Cuda() {
        CudaStatus s = probe();
        if (!s.available()) throw new IllegalStateException("CUDA is not available: " + s.reason());
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, 0);
        context = new CUcontext();
        cuCtxCreate(context, 0, dev);
        module = new CUmodule();
        cuModuleLoadData(module, ptx());
    }

    private static byte[] ptx() {
        try (InputStream in = Cuda.class.getResourceAsStream("/cuda/specdec.ptx")) {
            byte[] b = in.readAllBytes();
            byte[] z = new byte[b.length + 1]; // the driver expects a NUL-terminated image
            System.arraycopy(b, 0, z, 0, b.length);
            return z;
        } catch (IOException e) {
            throw new IllegalStateException("reading the CUDA kernels", e);
        }
    }

    /** Makes this context current on the calling thread. */
    public void bind() {
        cuCtxSetCurrent(context);
    }

    /** The entry point of {@code kernel} (not per type), looked up once. */
    public CUfunction function(CudaKernel kernel) {
        CUfunction f = functions[kernel.ordinal()];
        if (f == null) functions[kernel.ordinal()] = f = lookUp(kernel.symbol());
        return f;
    }

    /** The entry point of the per-type {@code kernel} for {@code type}, looked up once. */
    public CUfunction function(CudaKernel kernel, GgmlType type) {
        CUfunction f = typedFunctions[kernel.ordinal()][type.ordinal()];
        if (f == null) typedFunctions[kernel.ordinal()][type.ordinal()] = f = lookUp(kernel.symbol(type));
        return f;
    }

    private CUfunction lookUp(String symbol) {
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, module, symbol);
        return f;
    }

    public CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(4, bytes));
        allocations.add(p);
        return p;
    }

    /** Copies host memory (a mapped tensor, a staging segment) to the device, 1 GiB at a time. */
    public void upload(CUdeviceptr dst, MemorySegment src) {
        long n = src.byteSize();
        for (long off = 0; off < n; off += 1L << 30) {
            long len = Math.min(1L << 30, n - off);
            cuMemcpyHtoD(
                    dst.withByteOffset(off), Pointer.to(src.asSlice(off, len).asByteBuffer()), len);
        }
    }

    public CUdeviceptr upload(MemorySegment src) {
        CUdeviceptr p = alloc(src.byteSize());
        upload(p, src);
        return p;
    }

    public CUdeviceptr upload(float[] a) {
        CUdeviceptr p = alloc(4L * a.length);
        cuMemcpyHtoD(p, Pointer.to(a), 4L * a.length);
        return p;
    }

    public void uploadInts(CUdeviceptr dst, int[] a, int n) {
        cuMemcpyHtoD(dst, Pointer.to(a), 4L * n);
    }

    public void download(float[] dst, int dstOff, CUdeviceptr src, long srcFloatOff, int n) {
        cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOff), src.withByteOffset(4L * srcFloatOff), 4L * n);
    }

    public void copy(CUdeviceptr dst, long dstFloatOff, CUdeviceptr src, long srcFloatOff, long n) {
        cuMemcpyDtoD(dst.withByteOffset(4L * dstFloatOff), src.withByteOffset(4L * srcFloatOff), 4L * n);
    }

    /** Launches {@code kernel} (not per type) on a grid of {@code blocks} x {@code threads} with the given arguments. */
    public void launch(CudaKernel kernel, int blocks, int threads, int sharedBytes, Object... args) {
        kernel.checkArguments(args);
        launch(function(kernel), blocks, threads, sharedBytes, args);
    }

    /** Launches the per-type {@code kernel} for {@code type}, as {@link #launch(CudaKernel, int, int, int, Object...)}. */
    public void launch(CudaKernel kernel, GgmlType type, int blocks, int threads, int sharedBytes, Object... args) {
        kernel.checkArguments(args);
        launch(function(kernel, type), blocks, threads, sharedBytes, args);
    }

    private static void launch(CUfunction function, int blocks, int threads, int sharedBytes, Object... args) {
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps[i] = switch (a) {
                case CUdeviceptr d -> Pointer.to(d);
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                default -> throw new IllegalArgumentException("kernel argument of type " + a.getClass());
            };
        }
        cuLaunchKernel(function, blocks, 1, 1, threads, 1, 1, sharedBytes, null, Pointer.to(ps), null);
    }

    public void sync() {
        cuCtxSynchronize();
    }

    @Override
    public void close() {
        for (CUdeviceptr p : allocations) cuMemFree(p);
        allocations.clear();
        JCudaDriver.cuCtxDestroy(context);
    }
}
