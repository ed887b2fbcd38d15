package dev.specdec.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed reads of an object's fields: absent or null gives null; a value of the wrong type is a 400
 * naming the field (with {@code prefix}, e.g. "speculative.").
 */
record Fields(JsonNode node, String prefix) {

    String string(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isTextual()) throw wrongType(name, "a string", v);
        return v.asText();
    }

    Boolean bool(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isBoolean()) throw wrongType(name, "true or false", v);
        return v.asBoolean();
    }

    Double number(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isNumber()) throw wrongType(name, "a number", v);
        return v.asDouble();
    }

    Integer integer(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrongType(name, "an integer", v);
        return v.asInt();
    }

    Long longInteger(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw wrongType(name, "an integer (64 bits)", v);
        return v.asLong();
    }

    Fields object(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isObject()) throw wrongType(name, "an object", v);
        return new Fields(v, prefix + name + ".");
    }

    private JsonNode get(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private ApiException wrongType(String name, String expected, JsonNode got) {
        String field = prefix + name;
        return ApiException.invalid(
                field, field + " must be " + expected + ", got " + kind(got) + " " + abbreviated(got));
    }

    /** The JSON type of a value, in words. */
    static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String abbreviated(JsonNode v) {
        String s = v.toString();
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
