package dev.specdec.kernels;

import dev.specdec.kernels.cuda.CudaKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes {@code ggml_layout.h} for the native C kernels and the CUDA kernels from {@link GgmlType},
 * so that a block layout is stated once (in Java) and the C/CUDA code reads it (the CPU kernels
 * check their structs against it with static asserts, as llama.cpp's ggml-common.h does). Per type:
 * {@code SD_<TYPE>_ID}, {@code _BLOCK}, {@code _BYTES} and one {@code SD_<TYPE>_<FIELD>} byte
 * offset per block field; and {@code SD_COMPUTE_TYPES(X)}, an X-macro over the types that have a
 * {@link TensorFormat}, from which the CUDA kernels take their per-type entry points (named
 * {@code <family>_<type in lower case>}, see {@link CudaKernel}).
 * Run by the build (kernels/pom.xml) before the C compiler and nvcc: {@code LayoutHeader OUTPUT_FILE}.
 */
public final class LayoutHeader {
    private LayoutHeader() {}

    public static String render() {
        StringBuilder s = new StringBuilder();
        s.append("/* generated from dev.specdec.kernels.GgmlType by LayoutHeader at build time: do not edit */\n");
        s.append("#pragma once\n");
        for (GgmlType t : GgmlType.values()) {
            s.append("#define SD_")
                    .append(t.name())
                    .append("_ID ")
                    .append(t.id())
                    .append('\n');
            s.append("#define SD_")
                    .append(t.name())
                    .append("_BLOCK ")
                    .append(t.blockSize())
                    .append('\n');
            s.append("#define SD_")
                    .append(t.name())
                    .append("_BYTES ")
                    .append(t.bytesPerBlock())
                    .append('\n');
            for (GgmlType.Field f : t.fields()) {
                s.append("#define SD_")
                        .append(t.name())
                        .append('_')
                        .append(f.name().toUpperCase(Locale.ROOT))
                        .append(' ')
                        .append(t.offset(f.name()))
                        .append('\n');
            }
        }
        s.append("/* the types specdec computes with (a TensorFormat each): X(TYPE, kernel-name suffix) */\n");
        s.append("#define SD_COMPUTE_TYPES(X)");
        for (GgmlType t : GgmlType.values()) {
            if (t.format() != null)
                s.append(" X(")
                        .append(t.name())
                        .append(", ")
                        .append(CudaKernel.typeSuffix(t))
                        .append(')');
        }
        s.append('\n');
        return s.toString();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: LayoutHeader OUTPUT_FILE");
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, render());
    }
}
