package dev.specdec.target;

import java.nio.file.Path;

/**
 * A model or vocabulary file that cannot be used: names the file, the byte offset (or -1 when the
 * problem is not at one place) and the field, and says what was expected and what was found.
 */
public final class ModelFormatException extends RuntimeException {
    private final Path file;
    private final long offset;
    private final String field;

    public ModelFormatException(Path file, long offset, String field, String problem) {
        super(format(file, offset, field, problem));
        this.file = file;
        this.offset = offset;
        this.field = field;
    }

    private static String format(Path file, long offset, String field, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<memory>" : file.toString());
        if (offset >= 0) sb.append(" at offset ").append(offset);
        if (field != null) sb.append(", ").append(field);
        return sb.append(": ").append(problem).toString();
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }

    public String field() {
        return field;
    }
}
