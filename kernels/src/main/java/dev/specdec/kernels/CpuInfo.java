package dev.specdec.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the CPU is and which instruction-set extensions it has, from {@code /proc/cpuinfo} (Linux
 * names: avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512_vnni, avx_vnni, asimddp, ...). Read
 * once; an unreadable file gives an unknown CPU with no flags, which selects the Java kernels.
 */
public record CpuInfo(String model, String arch, Set<String> flags) {

    /** The extensions that decide which kernels run, in the order reports print them. */
    public static final java.util.List<String> RELEVANT = java.util.List.of(
            "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
            "avx512_bf16", "avx_vnni", "amx_int8", "asimd", "asimddp");

    private static final CpuInfo CURRENT = read();

    public static CpuInfo current() { return CURRENT; }

    public boolean has(String flag) { return flags.contains(flag); }

    /** The relevant extensions this CPU has, space-separated (for reports). */
    public String relevantFlags() {
        StringBuilder s = new StringBuilder();
        for (String f : RELEVANT) if (has(f)) s.append(s.isEmpty() ? "" : " ").append(f);
        return s.isEmpty() ? "none known" : s.toString();
    }

    @Override public String toString() { return model + " (" + arch + "; " + relevantFlags() + ")"; }

    /** Parses the text of a /proc/cpuinfo (the first processor's entries; x86 "flags", arm "Features"). */
    public static CpuInfo parse(String text, String arch) {
        String model = null;
        Set<String> flags = new TreeSet<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
            if (model == null && (key.equals("model name") || key.equals("Model") || key.equals("cpu model"))) model = value;
            if (flags.isEmpty() && (key.equals("flags") || key.equals("Features"))) {
                flags.addAll(Arrays.asList(value.split("\\s+")));
            }
        }
        return new CpuInfo(model != null ? model : "unknown CPU", arch, Set.copyOf(flags));
    }

    private static CpuInfo read() {
        String arch = System.getProperty("os.arch", "unknown");
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")), arch);
        } catch (IOException | RuntimeException e) {
            return new CpuInfo("unknown CPU", arch, Set.of());
        }
    }
}
