package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian, unaligned reads and writes on memory segments: the byte order of GGUF. */
public final class LE {
    private LE() {}

    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    public static int s8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    public static short i16(MemorySegment s, long off) {
        return s.get(SHORT, off);
    }

    public static int i32(MemorySegment s, long off) {
        return s.get(INT, off);
    }

    public static long i64(MemorySegment s, long off) {
        return s.get(LONG, off);
    }

    public static float f32(MemorySegment s, long off) {
        return s.get(FLOAT, off);
    }
    /** An IEEE half stored little-endian, widened exactly. */
    public static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT, off));
    }
    /** A bfloat16 stored little-endian: the top 16 bits of a float. */
    public static float bf16(MemorySegment s, long off) {
        return Float.intBitsToFloat((s.get(SHORT, off) & 0xFFFF) << 16);
    }

    public static void put8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    public static void put16(MemorySegment s, long off, short v) {
        s.set(SHORT, off, v);
    }

    public static void putF16(MemorySegment s, long off, float v) {
        s.set(SHORT, off, Float.floatToFloat16(v));
    }

    public static void put32(MemorySegment s, long off, int v) {
        s.set(INT, off, v);
    }

    public static void putF32(MemorySegment s, long off, float v) {
        s.set(FLOAT, off, v);
    }
}
