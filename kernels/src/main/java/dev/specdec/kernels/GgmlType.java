package dev.specdec.kernels;

import java.util.List;

/**
 * The ggml tensor types as GGUF numbers them: the one place for each type's id, block size and
 * block layout (its fields in memory order, as ggml-common.h declares the block structs). A block's
 * bytes and each field's offset are derived from the fields; the format classes, the native kernels
 * (through the generated {@code ggml_layout.h}, see {@link LayoutHeader}) and the CUDA kernels read
 * them from here. The arithmetic of each type lives in its {@link TensorFormat} class, and which
 * types specdec computes with is the {@code permits} list of that interface.
 */
public enum GgmlType {
    F32(0, 1, f("x", 4)),
    F16(1, 1, f("x", 2)),
    Q4_0(2, 32, f("d", 2), f("qs", 16)),
    Q4_1(3, 32, f("d", 2), f("m", 2), f("qs", 16)),
    Q5_0(6, 32, f("d", 2), f("qh", 4), f("qs", 16)),
    Q5_1(7, 32, f("d", 2), f("m", 2), f("qh", 4), f("qs", 16)),
    Q8_0(8, 32, f("d", 2), f("qs", 32)),
    Q8_1(9, 32, f("d", 2), f("s", 2), f("qs", 32)),
    Q2_K(10, 256, f("scales", 16), f("qs", 64), f("d", 2), f("dmin", 2)),
    Q3_K(11, 256, f("hmask", 32), f("qs", 64), f("scales", 12), f("d", 2)),
    Q4_K(12, 256, f("d", 2), f("dmin", 2), f("scales", 12), f("qs", 128)),
    Q5_K(13, 256, f("d", 2), f("dmin", 2), f("scales", 12), f("qh", 32), f("qs", 128)),
    Q6_K(14, 256, f("ql", 128), f("qh", 64), f("scales", 16), f("d", 2)),
    Q8_K(15, 256, f("d", 4), f("qs", 256), f("bsums", 32)),
    BF16(30, 1, f("x", 2));

    /** A field of a block: its name (ggml's) and size in bytes; fields are packed in order. */
    public record Field(String name, int bytes) {}

    private final int id;
    private final int blockSize;
    private final List<Field> fields;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, Field... fields) {
        this.id = id;
        this.blockSize = blockSize;
        this.fields = List.of(fields);
        int bytes = 0;
        for (Field f : fields) bytes += f.bytes();
        this.bytesPerBlock = bytes;
    }

    private static Field f(String name, int bytes) {
        return new Field(name, bytes);
    }

    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block: the sum of the fields. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** The fields of a block, in memory order. */
    public List<Field> fields() {
        return fields;
    }

    /** Byte offset of field {@code name} within a block; an unknown name is a programming error. */
    public int offset(String name) {
        int off = 0;
        for (Field f : fields) {
            if (f.name().equals(name)) return off;
            off += f.bytes();
        }
        throw new IllegalArgumentException(this + " blocks have no field '" + name + "' (fields: " + fields + ")");
    }

    /** Bytes of {@code elements} values; elements must be a multiple of the block size. */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /** The type with this GGUF id, or null when ggml has no such type or we do not know it. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /**
     * The compute format of this type, or null when specdec cannot compute with it (Q8_1, Q8_K):
     * derived from {@link TensorFormat}'s permits list, so that list is the one statement of which
     * types specdec computes with.
     */
    public TensorFormat format() {
        return Formats.BY_TYPE[ordinal()];
    }

    /** Parses a type name as llama.cpp writes it (case-insensitive: "q4_0", "Q8_0", "f16"). */
    public static GgmlType parse(String name) {
        for (GgmlType t : values()) if (t.name().equalsIgnoreCase(name.trim())) return t;
        throw new IllegalArgumentException("unknown tensor type '" + name + "'");
    }

    /** The formats by type, built on first use (a holder: the format classes read GgmlType as they initialize). */
    private static final class Formats {
        static final TensorFormat[] BY_TYPE = new TensorFormat[values().length];

        static {
            for (Class<?> c : TensorFormat.class.getPermittedSubclasses()) {
                TensorFormat f;
                try {
                    f = (TensorFormat) c.getField("INSTANCE").get(null);
                } catch (ReflectiveOperationException e) {
                    throw new ExceptionInInitializerError(c.getName() + " needs a public static final INSTANCE: " + e);
                }
                if (BY_TYPE[f.type().ordinal()] != null) {
                    throw new ExceptionInInitializerError(
                            f.type() + " has two formats: " + BY_TYPE[f.type().ordinal()] + " and " + f);
                }
                BY_TYPE[f.type().ordinal()] = f;
            }
        }
    }
}
