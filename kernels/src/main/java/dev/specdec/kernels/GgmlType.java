package dev.specdec.kernels;

/**
 * The ggml tensor types as GGUF numbers them: one place for each type's id, block size and block
 * bytes. The arithmetic of each type lives in its {@link TensorFormat} class.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    public int id() { return id; }

    /** Elements per block. */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int bytesPerBlock() { return bytesPerBlock; }

    /** Bytes of {@code elements} values; elements must be a multiple of the block size. */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /** The type with this GGUF id, or null when ggml has no such type or we do not know it. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /** The compute format of this type, or null when specdec cannot compute with it (Q8_1, Q8_K). */
    public TensorFormat format() {
        return switch (this) {
            case F32 -> F32Format.INSTANCE;
            case F16 -> F16Format.INSTANCE;
            case BF16 -> BF16Format.INSTANCE;
            case Q8_0 -> dev.specdec.kernels.Q8_0.INSTANCE;
            case Q4_0 -> dev.specdec.kernels.Q4_0.INSTANCE;
            case Q4_1 -> dev.specdec.kernels.Q4_1.INSTANCE;
            case Q5_0 -> dev.specdec.kernels.Q5_0.INSTANCE;
            case Q5_1 -> dev.specdec.kernels.Q5_1.INSTANCE;
            case Q2_K -> dev.specdec.kernels.Q2_K.INSTANCE;
            case Q3_K -> dev.specdec.kernels.Q3_K.INSTANCE;
            case Q4_K -> dev.specdec.kernels.Q4_K.INSTANCE;
            case Q5_K -> dev.specdec.kernels.Q5_K.INSTANCE;
            case Q6_K -> dev.specdec.kernels.Q6_K.INSTANCE;
            case Q8_1, Q8_K -> null;
        };
    }

    /** Parses a type name as llama.cpp writes it (case-insensitive: "q4_0", "Q8_0", "f16"). */
    public static GgmlType parse(String name) {
        for (GgmlType t : values()) if (t.name().equalsIgnoreCase(name.trim())) return t;
        throw new IllegalArgumentException("unknown tensor type '" + name + "'");
    }
}
