package dev.specdec.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code ggml_layout.h} for the native kernels from {@link GgmlType}, so that a block layout
 * is stated once (here in Java) and the C code checks its structs against it with static asserts.
 * Run by the build (kernels/pom.xml) before the C compiler: {@code LayoutHeader OUTPUT_FILE}.
 */
public final class LayoutHeader {
    private LayoutHeader() {}

    public static String render() {
        StringBuilder s = new StringBuilder();
        s.append("/* generated from dev.specdec.kernels.GgmlType by LayoutHeader at build time: do not edit */\n");
        s.append("#pragma once\n");
        for (GgmlType t : GgmlType.values()) {
            s.append("#define SD_").append(t.name()).append("_ID ").append(t.id()).append('\n');
            s.append("#define SD_").append(t.name()).append("_BLOCK ").append(t.blockSize()).append('\n');
            s.append("#define SD_").append(t.name()).append("_BYTES ").append(t.bytesPerBlock()).append('\n');
        }
        return s.toString();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: LayoutHeader OUTPUT_FILE");
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, render());
    }
}
