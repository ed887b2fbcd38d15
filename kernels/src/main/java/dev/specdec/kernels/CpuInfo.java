package dev.specdec.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The CPU this process runs on, as Linux describes it in {@code /proc/cpuinfo}: the model name and
 * the feature flags (lower case, as the kernel spells them: {@code avx2}, {@code avx512_vnni},
 * {@code asimddp}). Benchmarks print it beside their numbers, and native kernels pick their
 * instruction-set level from {@link #has}. Read once; where there is no /proc/cpuinfo (other
 * systems, restricted containers) the model is {@code "unknown"} and there are no flags, so no
 * optional instruction set is assumed.
 *
 * @param model the CPU's model name ({@code "unknown"} when the system does not say)
 * @param flags every feature flag of the first processor listed, lower case
 */
public record CpuInfo(String model, Set<String> flags) {

    /**
     * The flags that matter to the kernels, in the order reports list them: x86 vector widths and
     * fused multiply-add, half-precision conversion, the int8 dot products (VNNI, AMX), and their
     * ARM counterparts (NEON, its fp16 and dot-product extensions, int8 matrix multiply, SVE).
     */
    public static final List<String> RELEVANT = List.of(
            "sse4_2",
            "avx",
            "avx2",
            "fma",
            "f16c",
            "avx_vnni",
            "avx512f",
            "avx512bw",
            "avx512vl",
            "avx512_vnni",
            "avx512_bf16",
            "avx512_fp16",
            "amx_int8",
            "amx_bf16",
            "asimd",
            "asimdhp",
            "asimddp",
            "i8mm",
            "bf16",
            "sve",
            "sve2");

    public CpuInfo {
        model = model == null || model.isBlank() ? "unknown" : model.strip();
        Set<String> lower = new HashSet<>();
        for (String f : flags) lower.add(f.toLowerCase(Locale.ROOT));
        flags = Set.copyOf(lower);
    }

    /** This machine's CPU, read from /proc/cpuinfo on first use. */
    public static CpuInfo current() {
        return Holder.CURRENT;
    }

    private static final class Holder {
        static final CpuInfo CURRENT = read(Path.of("/proc/cpuinfo"));
    }

    static CpuInfo read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
            return new CpuInfo("unknown", Set.of());
        }
    }

    /**
     * Parses the text of /proc/cpuinfo: the first processor's {@code model name} (x86, and ARM
     * kernels that report one; else {@code Hardware}, {@code cpu model} or {@code Processor}) and
     * its {@code flags} (x86) or {@code Features} (ARM). Lines without a colon are ignored.
     */
    public static CpuInfo parse(String cpuinfo) {
        String model = null, fallbackModel = null, flags = null;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    value = line.substring(colon + 1).strip();
            switch (key) {
                case "model name" -> {
                    if (model == null) model = value;
                }
                case "hardware", "cpu model", "processor" -> {
                    // "processor" is the CPU's index on x86 and on newer ARM kernels: not a name
                    if (fallbackModel == null
                            && !value.isEmpty()
                            && !value.chars().allMatch(Character::isDigit)) fallbackModel = value;
                }
                case "flags", "features" -> {
                    if (flags == null) flags = value;
                }
                default -> {}
            }
        }
        Set<String> set = new HashSet<>();
        if (flags != null) for (String f : flags.split("\\s+")) if (!f.isEmpty()) set.add(f);
        return new CpuInfo(model != null ? model : fallbackModel, set);
    }

    /** Whether the CPU reports this feature flag (case-insensitive: {@code "avx512_vnni"}, {@code "AVX2"}). */
    public boolean has(String flag) {
        return flags.contains(flag.toLowerCase(Locale.ROOT));
    }

    /** The {@link #RELEVANT} flags this CPU has, in that order. */
    public List<String> relevantFlags() {
        List<String> r = new ArrayList<>();
        for (String f : RELEVANT) if (flags.contains(f)) r.add(f);
        return r;
    }

    /** One line for reports: the model and the relevant flags. */
    public String describe() {
        if (flags.isEmpty()) return model + " (flags unknown)";
        List<String> r = relevantFlags();
        return model + " (" + (r.isEmpty() ? "no vector extensions the kernels use" : String.join(" ", r)) + ")";
    }
}
