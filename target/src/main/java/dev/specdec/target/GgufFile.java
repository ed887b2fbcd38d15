package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.LE;
import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A GGUF file (versions 2 and 3), memory-mapped once: metadata is parsed onto the heap, tensor data
 * stays in the mapping and every {@link Tensor} is a slice of it. Every count, length and offset is
 * checked against the file size before it is used, so a malformed file fails with a
 * {@link ModelFormatException} naming the offset and field, never with an OutOfMemoryError or an
 * exception from deep inside; and the tensors must tile the data section as llama.cpp requires
 * ({@link TensorTiling}), which catches a flipped offset or type field before it becomes garbage weights.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_NESTING = 8;
    private static final String SUPPORTED_TYPES = Arrays.stream(GgmlType.values())
            .filter(t -> t.format() != null)
            .map(t -> t + " (" + t.id() + ")")
            .collect(Collectors.joining(", "));

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, Tensor> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(
            Path path,
            Arena arena,
            MemorySegment file,
            int version,
            Map<String, GgufValue> metadata,
            Map<String, Tensor> tensors,
            long dataOffset,
            int alignment) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Maps and parses {@code path}. The returned file owns the mapping; close it to unmap. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                seg = ch.size() == 0
                        ? MemorySegment.NULL.reinterpret(0)
                        : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (NoSuchFileException e) {
                throw new ModelFormatException(path, -1, null, "file not found");
            } catch (IOException e) {
                throw new ModelFormatException(path, -1, null, "cannot read: " + e.getMessage());
            }
            return parse(path, arena, seg);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses GGUF bytes already in memory (tests). The caller keeps the segment alive. */
    public static GgufFile parse(Path name, MemorySegment bytes) {
        return parse(name, null, bytes);
    }

    /** Whether the file starts with the GGUF magic (what tells GGUF from llama2.c checkpoints). */
    public static boolean isGguf(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            var head = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            return head.position() == 4 && head.getInt(0) == MAGIC;
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, -1, null, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, -1, null, "cannot read: " + e.getMessage());
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        Reader r = new Reader(path, seg);
        if (seg.byteSize() < 4)
            throw r.error(0, "magic", "file is " + seg.byteSize() + " bytes, too short for a GGUF header");
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw r.error(
                    0,
                    "magic",
                    String.format("expected \"GGUF\" (0x%08x), found 0x%08x: not a GGUF file", MAGIC, magic));
        }
        long versionAt = r.pos;
        int version = r.i32("version");
        if (version != 2 && version != 3) {
            throw r.error(
                    versionAt,
                    "version",
                    "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCountAt = r.pos;
        long tensorCount = r.u64("tensor_count");
        long kvCountAt = r.pos;
        long kvCount = r.u64("metadata_kv_count");
        // every tensor info needs at least 8 (name) + 4 (dims) + 4 (type) + 8 (offset) bytes, every kv 8 + 4 + 1
        if (tensorCount < 0 || tensorCount > r.remaining() / 24) {
            throw r.error(
                    tensorCountAt,
                    "tensor_count",
                    "count " + Long.toUnsignedString(tensorCount) + " does not fit in the " + seg.byteSize()
                            + "-byte file");
        }
        if (kvCount < 0 || kvCount > r.remaining() / 13) {
            throw r.error(
                    kvCountAt,
                    "metadata_kv_count",
                    "count " + Long.toUnsignedString(kvCount) + " does not fit in the " + seg.byteSize()
                            + "-byte file");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.pos;
            String key = r.string("metadata key #" + i);
            GgufValue value = r.value("metadata value '" + key + "'", 0);
            if (metadata.putIfAbsent(key, value) != null)
                throw r.error(at, "metadata key '" + key + "'", "duplicate key");
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue alignValue = metadata.get("general.alignment");
        if (alignValue != null) {
            long a = alignValue.value() instanceof Number n ? n.longValue() : -1;
            if (alignValue.type() != GgufValueType.UINT32
                    && alignValue.type() != GgufValueType.INT32
                    && alignValue.type() != GgufValueType.UINT64) a = -1;
            if (a <= 0 || a > (1 << 20) || (a & (a - 1)) != 0) {
                throw r.error(-1, "general.alignment", "expected a power of two up to 1 MiB, found " + alignValue);
            }
            alignment = (int) a;
        }
        List<TensorTiling.Entry> infos = new ArrayList<>();
        Map<String, Boolean> names = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = r.pos;
            String name = r.string("tensor #" + i + " name");
            String field = "tensor '" + name + "'";
            if (names.put(name, Boolean.TRUE) != null) throw r.error(at, field, "duplicate tensor name");
            long dimsAt = r.pos;
            int nDims = r.i32(field + " n_dims");
            if (nDims < 1 || nDims > MAX_DIMS)
                throw r.error(
                        dimsAt,
                        field + " n_dims",
                        "expected 1.." + MAX_DIMS + ", found " + Integer.toUnsignedString(nDims));
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dAt = r.pos;
                shape[d] = r.u64(field + " dimension " + d);
                if (shape[d] <= 0 || shape[d] > (1L << 40)) {
                    throw r.error(
                            dAt,
                            field + " dimension " + d,
                            "expected 1..2^40, found " + Long.toUnsignedString(shape[d]));
                }
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw r.error(dAt, field + " shape", "element count overflows");
                }
            }
            long typeAt = r.pos;
            int typeId = r.i32(field + " type");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null || type.format() == null) {
                throw r.error(
                        typeAt,
                        field + " type",
                        (type == null
                                        ? "unknown ggml type id " + Integer.toUnsignedString(typeId)
                                        : "ggml type " + type + " (id " + typeId + ") is not supported")
                                + "; expected one of " + SUPPORTED_TYPES);
            }
            if (shape[0] % type.blockSize() != 0) {
                throw r.error(
                        typeAt,
                        field + " type",
                        "found " + type + " (id " + typeId + "), whose blocks of " + type.blockSize()
                                + " values do not divide the first dimension of the shape " + Arrays.toString(shape)
                                + " (a wrong type or shape)");
            }
            long offAt = r.pos;
            long offset = r.u64(field + " offset");
            long bytes;
            try {
                bytes = type.bytesFor(elements);
            } catch (ArithmeticException e) {
                throw r.error(dimsAt, field + " shape", "byte size overflows");
            }
            infos.add(new TensorTiling.Entry(name, shape, type, offset, bytes, typeAt, offAt));
        }
        long dataOffset = align(r.pos, alignment);
        if (tensorCount > 0 && dataOffset > seg.byteSize()) {
            throw r.error(
                    r.pos, "tensor data", "file ends before the tensor data section (" + seg.byteSize() + " bytes)");
        }
        long dataSize = seg.byteSize() - Math.min(dataOffset, seg.byteSize());
        TensorTiling.check(path, infos, dataSize, alignment);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorTiling.Entry in : infos) {
            tensors.put(
                    in.name(),
                    new Tensor(in.name(), in.type(), in.shape(), seg.asSlice(dataOffset + in.offset(), in.bytes())));
        }
        return new GgufFile(
                path,
                arena,
                seg,
                version,
                Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors),
                dataOffset,
                alignment);
    }

    static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return file.byteSize();
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** Where a tensor of this file starts in it, in bytes from the beginning of the file. */
    public long fileOffset(Tensor t) {
        return t.data().address() - file.address();
    }

    /** The whole file as mapped (every tensor is a slice of it). */
    MemorySegment segment() {
        return file;
    }

    /** The tensor, or a ModelFormatException that names the missing tensor. */
    public Tensor requireTensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new ModelFormatException(path, -1, "tensor '" + name + "'", "required tensor is missing");
        return t;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public GgufValue value(String key) {
        return metadata.get(key);
    }

    public String getString(String key, String dflt) {
        GgufValue v = metadata.get(key);
        if (v == null) return dflt;
        if (v.type() != GgufValueType.STRING) throw wrongType(key, "a string", v);
        return (String) v.value();
    }

    public long getLong(String key, long dflt) {
        GgufValue v = metadata.get(key);
        if (v == null) return dflt;
        if (!(v.value() instanceof Number n)
                || v.type() == GgufValueType.FLOAT32
                || v.type() == GgufValueType.FLOAT64) {
            throw wrongType(key, "an integer", v);
        }
        return n.longValue();
    }

    public int getInt(String key, int dflt) {
        long v = getLong(key, dflt);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw wrongType(key, "a 32-bit integer", metadata.get(key));
        return (int) v;
    }

    /** An integer key that must be present. */
    public int requireInt(String key) {
        if (!metadata.containsKey(key))
            throw new ModelFormatException(path, -1, "metadata '" + key + "'", "required key is missing");
        return getInt(key, 0);
    }

    public double getDouble(String key, double dflt) {
        GgufValue v = metadata.get(key);
        if (v == null) return dflt;
        if (!(v.value() instanceof Number n)) throw wrongType(key, "a number", v);
        return n.doubleValue();
    }

    public boolean getBool(String key, boolean dflt) {
        GgufValue v = metadata.get(key);
        if (v == null) return dflt;
        if (!(v.value() instanceof Boolean b)) throw wrongType(key, "a bool", v);
        return b;
    }

    /** An array value's elements, or null when the key is absent. */
    public List<?> getArray(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) return null;
        if (v.type() != GgufValueType.ARRAY) throw wrongType(key, "an array", v);
        return (List<?>) v.value();
    }

    private ModelFormatException wrongType(String key, String expected, GgufValue found) {
        return new ModelFormatException(
                path, -1, "metadata '" + key + "'", "expected " + expected + ", found " + found);
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }

    /** Bounds-checked little-endian cursor over the file. */
    private static final class Reader {
        final Path path;
        final MemorySegment seg;
        long pos;

        Reader(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        ModelFormatException error(long at, String field, String problem) {
            return new ModelFormatException(path, at, field, problem);
        }

        private void need(long n, String field) {
            if (n > remaining()) {
                throw error(
                        pos,
                        field,
                        "file truncated: needs " + n + " bytes, " + remaining() + " left of " + seg.byteSize());
            }
        }

        int u8(String field) {
            need(1, field);
            return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
        }

        int i16(String field) {
            need(2, field);
            short v = LE.i16(seg, pos);
            pos += 2;
            return v;
        }

        int i32(String field) {
            need(4, field);
            int v = LE.i32(seg, pos);
            pos += 4;
            return v;
        }

        long u64(String field) {
            need(8, field);
            long v = LE.i64(seg, pos);
            pos += 8;
            return v;
        }

        String string(String field) {
            long at = pos;
            long len = u64(field + " length");
            if (len < 0 || len > remaining()) {
                throw error(
                        at, field, "string length " + Long.toUnsignedString(len) + " runs past the end of the file");
            }
            if (len > Integer.MAX_VALUE - 16) throw error(at, field, "string length " + len + " too large");
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, (int) len);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValue value(String field, int depth) {
            long at = pos;
            int typeId = i32(field + " type");
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null)
                throw error(at, field + " type", "unknown metadata value type " + Integer.toUnsignedString(typeId));
            if (type != GgufValueType.ARRAY) return GgufValue.of(type, scalar(type, field));
            return arrayBody(field, depth);
        }

        private GgufValue arrayBody(String field, int depth) {
            if (depth >= MAX_ARRAY_NESTING) throw error(pos, field, "arrays nested deeper than " + MAX_ARRAY_NESTING);
            long etAt = pos;
            int elemId = i32(field + " element type");
            GgufValueType et = GgufValueType.byId(elemId);
            if (et == null) throw error(etAt, field + " element type", "unknown metadata value type " + elemId);
            long countAt = pos;
            long count = u64(field + " count");
            if (count < 0 || count > remaining() / et.minBytes()) {
                throw error(
                        countAt,
                        field + " count",
                        "array of " + Long.toUnsignedString(count) + " values does not fit in the file");
            }
            List<Object> list = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                list.add(et == GgufValueType.ARRAY ? arrayBody(field + "[" + i + "]", depth + 1) : scalar(et, field));
            }
            return new GgufValue(GgufValueType.ARRAY, et, Collections.unmodifiableList(list));
        }

        private Object scalar(GgufValueType type, String field) {
            return switch (type) {
                case UINT8 -> u8(field);
                case INT8 -> (int) (byte) u8(field);
                case UINT16 -> i16(field) & 0xFFFF;
                case INT16 -> i16(field);
                case UINT32 -> i32(field) & 0xFFFFFFFFL;
                case INT32 -> i32(field);
                case FLOAT32 -> Float.intBitsToFloat(i32(field));
                case BOOL -> {
                    long at = pos;
                    int b = u8(field);
                    if (b > 1) throw error(at, field, "bool must be 0 or 1, found " + b);
                    yield b == 1;
                }
                case STRING -> string(field);
                case UINT64, INT64 -> u64(field);
                case FLOAT64 -> Double.longBitsToDouble(u64(field));
                case ARRAY -> throw new IllegalStateException("array handled by caller");
            };
        }
    }
}
