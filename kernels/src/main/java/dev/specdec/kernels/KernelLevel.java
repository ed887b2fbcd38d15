package dev.specdec.kernels;

import java.util.List;

/**
 * The instruction-set levels the native kernels are built for (kernels/pom.xml compiles
 * src/main/c once per level), best first, each with the CPU flags it needs. A level is loaded
 * only on a CPU that has every one of its flags.
 */
public enum KernelLevel {
    /** 256-bit code with the EVEX vpdpbusd and 32 registers (Zen 4/5, Ice Lake and later Xeons). */
    AVX512_VNNI("avx512vnni", List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni")),
    /** 256-bit code with the VEX vpdpbusd (Alder Lake and later client cores). */
    AVX_VNNI("avxvnni", List.of("avx2", "fma", "f16c", "avx_vnni")),
    /** The x86-64 baseline: maddubs + madd int8 dot products, F16C conversion, FMA (Haswell, Zen 1-3). */
    AVX2("avx2", List.of("avx2", "fma", "f16c"));

    private final String id;
    private final List<String> flags;

    KernelLevel(String id, List<String> flags) {
        this.id = id;
        this.flags = flags;
    }

    /** The name used in library files, {@code --kernels} and reports. */
    public String id() {
        return id;
    }

    public List<String> requiredFlags() {
        return flags;
    }

    public boolean runsOn(CpuInfo cpu) {
        return cpu.flags().containsAll(flags);
    }

    /** The library's resource path inside the jar. */
    String resource() {
        return "/native/linux-x86_64/libspecdec-" + id + ".so";
    }

    public static KernelLevel byId(String id) {
        for (KernelLevel l : values()) if (l.id.equals(id)) return l;
        return null;
    }
}
