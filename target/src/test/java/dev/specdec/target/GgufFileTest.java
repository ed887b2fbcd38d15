package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class GgufFileTest {

    /** A small valid file: every metadata type, a nested array, two tensors. Offsets are known. */
    static byte[] sample() {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("llama"));
        w.put("u8", GgufValue.of(GgufValueType.UINT8, 200));
        w.put("i8", GgufValue.of(GgufValueType.INT8, -5));
        w.put("u16", GgufValue.of(GgufValueType.UINT16, 60000));
        w.put("i16", GgufValue.of(GgufValueType.INT16, -300));
        w.put("u32", GgufValue.u32(4_000_000_000L));
        w.put("i32", GgufValue.of(GgufValueType.INT32, -7));
        w.put("f32", GgufValue.f32(1.5f));
        w.put("bool", GgufValue.bool(true));
        w.put("u64", GgufValue.of(GgufValueType.UINT64, 1L << 40));
        w.put("i64", GgufValue.of(GgufValueType.INT64, -(1L << 40)));
        w.put("f64", GgufValue.of(GgufValueType.FLOAT64, 2.25));
        w.put("strings", GgufValue.array(GgufValueType.STRING, List.of("a", "bc", "")));
        w.put(
                "nested",
                GgufValue.array(
                        GgufValueType.ARRAY,
                        List.of(
                                GgufValue.array(GgufValueType.INT32, List.of(1, 2)),
                                GgufValue.array(GgufValueType.INT32, List.of(3)))));
        float[] a = new float[64];
        for (int i = 0; i < a.length; i++) a[i] = i - 30;
        w.addTensor("tensor_a", GgmlType.F32, new long[] {32, 2}, a);
        w.addTensor("tensor_b", GgmlType.Q8_0, new long[] {32, 2}, a);
        return w.toBytes();
    }

    static GgufFile parse(byte[] bytes) {
        return GgufFile.parse(Path.of("test.gguf"), MemorySegment.ofArray(bytes));
    }

    @Test
    void readsEveryValueTypeBack() {
        GgufFile f = parse(sample());
        assertEquals(3, f.version());
        assertEquals(200L, f.getLong("u8", 0));
        assertEquals(-5L, f.getLong("i8", 0));
        assertEquals(60000L, f.getLong("u16", 0));
        assertEquals(-300L, f.getLong("i16", 0));
        assertEquals(4_000_000_000L, f.getLong("u32", 0));
        assertEquals(-7, f.getInt("i32", 0));
        assertEquals(1.5, f.getDouble("f32", 0), 0);
        assertTrue(f.getBool("bool", false));
        assertEquals(1L << 40, f.getLong("u64", 0));
        assertEquals(-(1L << 40), f.getLong("i64", 0));
        assertEquals(2.25, f.getDouble("f64", 0), 0);
        assertEquals(List.of("a", "bc", ""), f.getArray("strings"));
        List<?> nested = f.getArray("nested");
        assertEquals(List.of(1, 2), ((GgufValue) nested.get(0)).value());
        Tensor a = f.tensor("tensor_a");
        assertEquals(2, a.rows());
        assertEquals(-30f, a.toFloats()[0]);
        assertEquals(GgmlType.Q8_0, f.tensor("tensor_b").type());
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_1", "Q8_K"},
            mode = EnumSource.Mode.EXCLUDE)
    void writerRoundTripsEveryType(GgmlType type, @TempDir Path dir) throws IOException {
        int cols = 512, rows = 3;
        float[] v = new float[cols * rows];
        Random r = new Random(type.id());
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        Path p = dir.resolve("t.gguf");
        new GgufWriter()
                .put("general.alignment", GgufValue.u32(64))
                .addTensor("w", type, new long[] {cols, rows}, v)
                .write(p, false);
        assertThrows(IOException.class, () -> new GgufWriter().write(p, false), "must not overwrite");
        try (GgufFile f = GgufFile.open(p)) {
            Tensor t = f.tensor("w");
            assertEquals(type, t.type());
            assertArrayEquals(new long[] {cols, rows}, t.shape());
            assertEquals(64, f.alignment());
            float[] expected = new float[v.length];
            type.format().dequantize(type.format().quantize(v), 0, expected, 0, v.length);
            assertArrayEquals(expected, t.toFloats(), 0f);
        }
    }

    // ------------------------------------------------------------ the malformed corpus

    static Stream<Arguments> broken() {
        byte[] ok = sample();
        List<Arguments> l = new ArrayList<>();
        int tensorInfos = indexOf(ok, "\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000tensor_a".getBytes());
        add(l, "empty file", b -> new byte[0]);
        add(l, "three bytes", b -> Arrays.copyOf(b, 3));
        add(l, "bad magic", b -> put32(b, 0, 0x46554746));
        add(l, "version 1", b -> put32(b, 4, 1));
        add(l, "version 4", b -> put32(b, 4, 4));
        add(l, "version -1", b -> put32(b, 4, -1));
        add(l, "truncated header", b -> Arrays.copyOf(b, 20));
        add(l, "huge tensor count", b -> put64(b, 8, Long.MAX_VALUE));
        add(l, "negative tensor count", b -> put64(b, 8, -1));
        add(l, "huge kv count", b -> put64(b, 16, 1L << 40));
        add(l, "key length past end", b -> put64(b, 24, 1L << 50));
        add(l, "key length negative", b -> put64(b, 24, -8));
        add(l, "unknown value type", b -> put32(b, 24 + 8 + "general.architecture".length(), 99));
        add(l, "truncated in metadata", b -> Arrays.copyOf(b, 100));
        add(l, "truncated in tensor infos", b -> Arrays.copyOf(b, tensorInfos + 12));
        add(l, "truncated tensor data", b -> Arrays.copyOf(b, b.length - 40));
        add(l, "string array count huge", b -> patchAfter(b, "strings", 4 + 4, 1L << 61));
        add(l, "bool not 0 or 1", b -> patchByteAfter(b, "bool", 4, 7));
        add(l, "tensor with 0 dims", b -> put32(b, tensorInfos + 16, 0));
        add(l, "tensor with 9 dims", b -> put32(b, tensorInfos + 16, 9));
        add(l, "tensor dim zero", b -> put64(b, tensorInfos + 20, 0));
        add(l, "tensor dims overflow", b -> put64(put64(b, tensorInfos + 20, 1L << 40), tensorInfos + 28, 1L << 40));
        add(l, "unknown tensor type", b -> put32(b, tensorInfos + 36, 77));
        add(l, "unsupported tensor type Q8_K", b -> put32(b, tensorInfos + 36, 15));
        add(l, "misaligned tensor offset", b -> put64(b, tensorInfos + 40, 3));
        add(l, "tensor offset past end", b -> put64(b, tensorInfos + 40, 1L << 20));
        add(l, "duplicate tensor name", b -> rename(b, tensorInfos + 48));
        add(l, "block size mismatch", b -> put64(b, tensorInfos + 48 + 20, 33));
        add(l, "nested arrays too deep", b -> deepNesting());
        add(l, "bad alignment", b -> withAlignment(3));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void malformedFilesGiveOneClearException(String name, byte[] bytes) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(bytes), name);
        assertTrue(e.getMessage().startsWith("test.gguf"), e.getMessage());
    }

    @Test
    void brokenFileOnDiskNamesTheFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("broken.gguf");
        Files.write(p, Arrays.copyOf(sample(), 50));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("broken.gguf") && e.getMessage().contains("offset"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir.resolve("missing.gguf")));
    }

    private static void add(List<Arguments> l, String name, UnaryOperator<byte[]> mutate) {
        l.add(Arguments.of(name, mutate.apply(sample())));
    }

    private static byte[] put32(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(off, v);
        return b;
    }

    private static byte[] put64(byte[] b, int off, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(off, v);
        return b;
    }

    private static int indexOf(byte[] b, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= b.length; i++) {
            for (int j = 0; j < pat.length; j++) if (b[i + j] != pat[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("pattern not found");
    }

    private static byte[] patchAfter(byte[] b, String key, int skip, long v) {
        return put64(b, indexOf(b, key.getBytes()) + key.length() + skip, v);
    }

    private static byte[] patchByteAfter(byte[] b, String key, int skip, int v) {
        b[indexOf(b, key.getBytes()) + key.length() + skip] = (byte) v;
        return b;
    }

    /** Renames the tensor whose info starts at {@code at} ("tensor_b") to "tensor_a". */
    private static byte[] rename(byte[] b, int at) {
        b[at + 15] = 'a';
        return b;
    }

    private static byte[] deepNesting() {
        GgufValue v = GgufValue.array(GgufValueType.INT32, List.of(1));
        for (int i = 0; i < 12; i++) v = GgufValue.array(GgufValueType.ARRAY, List.of(v));
        return writeNested(v);
    }

    private static byte[] writeNested(GgufValue v) {
        // the writer supports one level of nesting; build deeper ones by hand
        ByteBuffer bb = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1);
        bb.putLong(1).put((byte) 'k').putInt(GgufValueType.ARRAY.id());
        GgufValue cur = v;
        while (cur.elementType() == GgufValueType.ARRAY) {
            bb.putInt(GgufValueType.ARRAY.id()).putLong(1);
            cur = (GgufValue) ((List<?>) cur.value()).get(0);
        }
        bb.putInt(GgufValueType.INT32.id()).putLong(1).putInt(1);
        return Arrays.copyOf(bb.array(), bb.position());
    }

    private static byte[] withAlignment(int a) {
        return new GgufWriter().put("general.alignment", GgufValue.u32(a)).toBytes();
    }
}
