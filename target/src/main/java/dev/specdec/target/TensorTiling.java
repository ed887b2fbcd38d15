package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rule llama.cpp's loader enforces on a GGUF tensor table ("tensor has offset X, expected Y"):
 * in file order, each tensor's data starts where the previous one's ends, rounded up to the
 * file's alignment; the first starts the data section, and the last ends with the file (plus at
 * most its padding). A byte flipped in an offset or a type field breaks the tiling, so checking it
 * turns such a file into an error instead of garbage weights.
 *
 * <p>When the tiling breaks between tensors A and B, either B's offset is wrong or A's size (its
 * type, or its shape) is. If B's offset agrees with what follows B, A's size is the one at fault
 * and the error names A's type and the types whose size would fit; otherwise it names B's offset.
 */
final class TensorTiling {
    private TensorTiling() {}

    /**
     * One tensor info as read from the file.
     *
     * @param typeAt   file offset of the info's type field
     * @param offsetAt file offset of the info's offset field
     */
    record Entry(String name, long[] shape, GgmlType type, long offset, long bytes, long typeAt, long offsetAt) {
        long elements() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        String field() {
            return "tensor '" + name + "'";
        }

        String describe() {
            return type + " (id " + type.id() + ") " + Arrays.toString(shape) + " = " + bytes + " bytes";
        }
    }

    /** Throws a ModelFormatException naming the first tensor that breaks the tiling of {@code dataSize} bytes. */
    static void check(Path path, List<Entry> tensors, long dataSize, int alignment) {
        long expected = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            if (t.offset != expected) throw broken(path, tensors, i, expected, dataSize, alignment);
            // a tensor running past the end is caught here, before end + padding can overflow
            if (t.bytes > dataSize - t.offset) throw pastTheEnd(path, tensors, i, dataSize, alignment);
            expected = GgufFile.align(t.offset + t.bytes, alignment);
        }
        if (!tensors.isEmpty()) {
            Entry last = tensors.getLast();
            long space = dataSize - last.offset;
            if (space > GgufFile.align(last.bytes, alignment)) {
                throw new ModelFormatException(
                        path,
                        last.typeAt,
                        last.field() + " type",
                        "found " + last.describe()
                                + ", but the last tensor's data runs " + space
                                + " bytes to the end of the file (at most "
                                + GgufFile.align(last.bytes, alignment) + " with padding); expected "
                                + fitting(last, space, alignment)
                                + " (a wrong type or shape, or bytes appended to the file)");
            }
        }
    }

    /** Tensor {@code i} does not start at {@code expected}: blame its offset, or the previous tensor's size. */
    private static ModelFormatException broken(
            Path path, List<Entry> tensors, int i, long expected, long dataSize, int alignment) {
        Entry t = tensors.get(i);
        if (i > 0 && agreesWithWhatFollows(tensors, i, dataSize, alignment)) {
            Entry prev = tensors.get(i - 1);
            long space = t.offset - prev.offset;
            if (space > 0) {
                return new ModelFormatException(
                        path,
                        prev.typeAt,
                        prev.field() + " type",
                        "found " + prev.describe()
                                + ", but the next tensor '" + t.name + "' starts " + space
                                + " bytes after it; expected "
                                + fitting(prev, space, alignment) + " (a wrong type or shape)");
            }
        }
        String where = i == 0
                ? "the first tensor starts the data section"
                : "the end of tensor '" + tensors.get(i - 1).name + "' rounded up to the alignment " + alignment;
        String misaligned = t.offset % alignment != 0
                ? "; " + Long.toUnsignedString(t.offset) + " is not a multiple of " + alignment
                : "";
        return new ModelFormatException(
                path,
                t.offsetAt,
                t.field() + " offset",
                "has offset " + Long.toUnsignedString(t.offset) + ", expected " + expected + " (" + where + misaligned
                        + ")");
    }

    /** Tensor {@code i} starts right but its data runs past the end of the file. */
    private static ModelFormatException pastTheEnd(
            Path path, List<Entry> tensors, int i, long dataSize, int alignment) {
        Entry t = tensors.get(i);
        Entry next = i + 1 < tensors.size() ? tensors.get(i + 1) : null;
        if (next != null && next.offset > t.offset && next.offset <= dataSize) {
            // the next tensor starts inside the file, so the file is long enough: this tensor's size is wrong
            long space = next.offset - t.offset;
            return new ModelFormatException(
                    path,
                    t.typeAt,
                    t.field() + " type",
                    "found " + t.describe()
                            + ", which runs past the end of the file (" + dataSize
                            + " data bytes), but the next tensor '" + next.name
                            + "' starts " + space + " bytes after it; expected " + fitting(t, space, alignment)
                            + " (a wrong type or shape)");
        }
        long space = dataSize - t.offset;
        if (next == null && !typesFilling(t, space, alignment).isEmpty()) {
            return new ModelFormatException(
                    path,
                    t.typeAt,
                    t.field() + " type",
                    "found " + t.describe() + ", but only " + space
                            + " bytes follow its offset to the end of the file; expected "
                            + fitting(t, space, alignment)
                            + " (a wrong type or shape, or the file is truncated)");
        }
        return new ModelFormatException(
                path,
                t.offsetAt,
                t.field() + " offset",
                t.bytes + " bytes of data at offset " + t.offset + " of the data section run past the end of the file ("
                        + dataSize + " data bytes): file truncated?");
    }

    /**
     * Whether tensor {@code i}'s offset is consistent with the tensor after it (or, for the last
     * one, with the end of the file): then that offset is right and the tensor before is wrong.
     */
    private static boolean agreesWithWhatFollows(List<Entry> tensors, int i, long dataSize, int alignment) {
        Entry t = tensors.get(i);
        if (t.offset < 0 || t.offset % alignment != 0 || t.offset > dataSize || t.bytes > dataSize - t.offset)
            return false;
        long end = GgufFile.align(t.offset + t.bytes, alignment);
        return i + 1 < tensors.size() ? tensors.get(i + 1).offset == end : dataSize <= end;
    }

    /** What would fill {@code space} bytes, for the message: the types that do, if any. */
    private static String fitting(Entry t, long space, int alignment) {
        List<String> fit = typesFilling(t, space, alignment);
        return fit.isEmpty()
                ? "a type or shape that fills " + space + " bytes (no type does with this shape)"
                : "a type that fills " + space + " bytes: " + String.join(" or ", fit);
    }

    /** The types whose size for this tensor's shape fills {@code space} bytes (with padding). */
    private static List<String> typesFilling(Entry t, long space, int alignment) {
        List<String> fit = new ArrayList<>();
        long elements = t.elements();
        for (GgmlType g : GgmlType.values()) {
            if (g.format() == null || t.shape[0] % g.blockSize() != 0) continue;
            long b = g.bytesFor(elements);
            if (b <= space && space <= GgufFile.align(b, alignment)) fit.add(g + " (id " + g.id() + ")");
        }
        return fit;
    }
}
