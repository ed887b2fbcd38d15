package dev.specdec.target;

import java.util.List;

/**
 * One metadata value as the file typed it. Scalars are boxed Java values (unsigned 32-bit values
 * as Long, UINT64 as Long bits); arrays are a {@code List} of values of {@code elementType}.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue of(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    public static GgufValue array(GgufValueType elementType, List<?> values) {
        return new GgufValue(GgufValueType.ARRAY, elementType, List.copyOf(values));
    }

    public static GgufValue string(String s) {
        return of(GgufValueType.STRING, s);
    }

    public static GgufValue u32(long v) {
        return of(GgufValueType.UINT32, v);
    }

    public static GgufValue f32(float v) {
        return of(GgufValueType.FLOAT32, v);
    }

    public static GgufValue bool(boolean v) {
        return of(GgufValueType.BOOL, v);
    }

    @Override
    public String toString() {
        if (type == GgufValueType.ARRAY) return elementType + "[" + ((List<?>) value).size() + "]";
        if (type == GgufValueType.STRING) return "\"" + value + "\"";
        return value + " (" + type.name().toLowerCase() + ")";
    }
}
