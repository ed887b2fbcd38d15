package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.TensorFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3: metadata, tensor infos, then tensor data aligned to
 * {@code general.alignment} (32 unless set). Tensors are produced row by row from a
 * {@link RowSource} and quantized on the way out, so a multi-gigabyte model never has to be in
 * memory. The file is written whole or not at all ({@link AtomicFile}).
 */
public final class GgufWriter {

    /** Produces row {@code r} (ne0 floats) of a tensor. */
    @FunctionalInterface
    public interface RowSource {
        void fill(int row, float[] dst);
    }

    /** Told how many tensor bytes are written, of how many; called once per row, so it must be cheap. */
    @FunctionalInterface
    public interface Progress {
        void written(long bytes, long total);

        Progress NONE = (b, t) -> {};
    }

    private record Pending(String name, GgmlType type, long[] shape, RowSource rows, MemorySegment raw) {
        long bytes() {
            long elements = 1;
            for (long d : shape) elements *= d;
            return type.bytesFor(elements);
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        metadata.putAll(values);
        return this;
    }

    /** Adds a tensor whose values are given as floats (row-major, ne0 contiguous); quantized to {@code type}. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, float[] values) {
        int cols = Math.toIntExact(shape[0]);
        return addTensor(name, type, shape, (r, dst) -> System.arraycopy(values, r * cols, dst, 0, cols));
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, RowSource rows) {
        check(name, type, shape);
        tensors.add(new Pending(name, type, shape.clone(), rows, null));
        return this;
    }

    /** Adds a tensor whose encoded bytes are given as they are. */
    public GgufWriter addRawTensor(String name, GgmlType type, long[] shape, MemorySegment bytes) {
        check(name, type, shape);
        Pending p = new Pending(name, type, shape.clone(), null, bytes);
        if (bytes.byteSize() != p.bytes()) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": " + bytes.byteSize() + " bytes given, " + p.bytes() + " expected");
        }
        tensors.add(p);
        return this;
    }

    private void check(String name, GgmlType type, long[] shape) {
        if (type.format() == null) throw new IllegalArgumentException("cannot write tensors of type " + type);
        if (shape.length < 1 || shape.length > 4)
            throw new IllegalArgumentException("tensor " + name + ": 1..4 dimensions");
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": first dimension " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        for (Pending p : tensors)
            if (p.name.equals(name)) throw new IllegalArgumentException("duplicate tensor " + name);
    }

    /** The bytes of tensor data the file will hold (what {@link Progress} counts). */
    public long tensorBytes() {
        long total = 0;
        for (Pending p : tensors) total += p.bytes();
        return total;
    }

    /** Writes the file; refuses to replace an existing file unless {@code overwrite}. */
    public void write(Path out, boolean overwrite) throws IOException {
        write(out, overwrite, Progress.NONE);
    }

    /** Writes the file, telling {@code progress} as the tensor data goes out. */
    public void write(Path out, boolean overwrite, Progress progress) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        AtomicFile.write(out, overwrite, os -> writeTo(os, progress));
    }

    /** The whole file as bytes (tests). */
    public byte[] toBytes() {
        var bos = new java.io.ByteArrayOutputStream();
        try {
            writeTo(bos, Progress.NONE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    private void writeTo(OutputStream raw, Progress progress) throws IOException {
        CountingOut os = new CountingOut(raw);
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) alignment = ((Number) a.value()).intValue();
        os.i32(GgufFile.MAGIC);
        os.i32(3);
        os.i64(tensors.size());
        os.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            os.string(e.getKey());
            os.i32(e.getValue().type().id());
            value(os, e.getValue());
        }
        long offset = 0;
        for (Pending p : tensors) {
            os.string(p.name);
            os.i32(p.shape.length);
            for (long d : p.shape) os.i64(d);
            os.i32(p.type.id());
            os.i64(offset);
            offset = GgufFile.align(offset + p.bytes(), alignment);
        }
        os.pad(alignment);
        long total = tensorBytes(), done = 0;
        for (Pending p : tensors) {
            if (p.raw != null) {
                os.write(p.raw.toArray(ValueLayout.JAVA_BYTE));
                progress.written(done += p.bytes(), total);
            } else {
                int cols = Math.toIntExact(p.shape[0]);
                long rows = 1;
                for (int d = 1; d < p.shape.length; d++) rows *= p.shape[d];
                TensorFormat f = p.type.format();
                float[] row = new float[cols];
                byte[] enc = new byte[Math.toIntExact(p.type.bytesFor(cols))];
                MemorySegment encSeg = MemorySegment.ofArray(enc);
                for (int r = 0; r < rows; r++) {
                    p.rows.fill(r, row);
                    f.quantize(row, 0, cols, encSeg, 0);
                    os.write(enc);
                    progress.written(done += enc.length, total);
                }
            }
            os.pad(alignment);
        }
    }

    private static void value(CountingOut os, GgufValue v) throws IOException {
        if (v.type() == GgufValueType.ARRAY) {
            List<?> list = (List<?>) v.value();
            os.i32(v.elementType().id());
            os.i64(list.size());
            for (Object o : list) {
                if (v.elementType() == GgufValueType.ARRAY) {
                    GgufValue inner = (GgufValue) o;
                    os.i32(inner.elementType().id());
                    List<?> il = (List<?>) inner.value();
                    os.i64(il.size());
                    for (Object io : il) scalar(os, inner.elementType(), io);
                } else {
                    scalar(os, v.elementType(), o);
                }
            }
        } else {
            scalar(os, v.type(), v.value());
        }
    }

    private static void scalar(CountingOut os, GgufValueType t, Object o) throws IOException {
        switch (t) {
            case UINT8, INT8 -> os.write(new byte[] {((Number) o).byteValue()});
            case UINT16, INT16 -> os.i16(((Number) o).shortValue());
            case UINT32, INT32 -> os.i32(((Number) o).intValue());
            case UINT64, INT64 -> os.i64(((Number) o).longValue());
            case FLOAT32 -> os.i32(Float.floatToRawIntBits(((Number) o).floatValue()));
            case FLOAT64 -> os.i64(Double.doubleToRawLongBits(((Number) o).doubleValue()));
            case BOOL -> os.write(new byte[] {(byte) (((Boolean) o) ? 1 : 0)});
            case STRING -> os.string((String) o);
            case ARRAY -> throw new IllegalArgumentException("nested array must be a GgufValue");
        }
    }

    private static final class CountingOut {
        final OutputStream out;
        long count;
        final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        CountingOut(OutputStream out) {
            this.out = out;
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            count += b.length;
        }

        void i16(short v) throws IOException {
            buf.clear();
            buf.putShort(v);
            out.write(buf.array(), 0, 2);
            count += 2;
        }

        void i32(int v) throws IOException {
            buf.clear();
            buf.putInt(v);
            out.write(buf.array(), 0, 4);
            count += 4;
        }

        void i64(long v) throws IOException {
            buf.clear();
            buf.putLong(v);
            out.write(buf.array(), 0, 8);
            count += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b);
        }

        void pad(int alignment) throws IOException {
            long target = GgufFile.align(count, alignment);
            if (target > count) write(new byte[(int) (target - count)]);
        }
    }
}
