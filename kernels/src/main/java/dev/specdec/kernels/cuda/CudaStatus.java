package dev.specdec.kernels.cuda;

/** Whether the CUDA backend can run here, and if not, the one-line reason. */
public record CudaStatus(boolean available, String reason, String device) {
    static CudaStatus unavailable(String reason) {
        return new CudaStatus(false, reason, null);
    }
}
