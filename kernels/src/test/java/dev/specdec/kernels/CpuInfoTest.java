package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/cpuinfo as x86 and ARM Linux write it, and no /proc/cpuinfo at all. */
class CpuInfoTest {

    private static final String ZEN3 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 33
            model name\t: AMD Ryzen 9 5950X 16-Core Processor
            flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand avx2 bmi2
            bugs\t\t: sysret_ss_attrs spectre_v1

            processor\t: 1
            model name\t: AMD Ryzen 9 5950X 16-Core Processor
            flags\t\t: fpu something_else
            """;

    private static final String SAPPHIRE_RAPIDS = """
            processor\t: 0
            model name\t: Intel(R) Xeon(R) Platinum 8480+
            flags\t\t: sse4_2 avx f16c fma avx2 avx512f avx512dq avx512bw avx512vl avx_vnni avx512_bf16 avx512_vnni avx512_fp16 amx_bf16 amx_tile amx_int8
            """;

    private static final String GRAVITON3 = """
            processor\t: 0
            BogoMIPS\t: 2100.00
            Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
            CPU implementer\t: 0x41
            CPU part\t: 0xd40
            """;

    @Test
    void x86ModelAndFlagsOfTheFirstProcessor() {
        CpuInfo c = CpuInfo.parse(ZEN3);
        assertEquals("AMD Ryzen 9 5950X 16-Core Processor", c.model());
        assertTrue(c.has("avx2") && c.has("fma") && c.has("f16c") && c.has("AVX2"));
        assertFalse(c.has("avx512f") || c.has("avx512_vnni") || c.has("something_else"));
        assertEquals(List.of("sse4_2", "avx", "avx2", "fma", "f16c"), c.relevantFlags());
        assertEquals("AMD Ryzen 9 5950X 16-Core Processor (sse4_2 avx avx2 fma f16c)", c.describe());

        CpuInfo spr = CpuInfo.parse(SAPPHIRE_RAPIDS);
        assertTrue(spr.has("avx512_vnni") && spr.has("avx_vnni") && spr.has("amx_int8"));
        assertEquals(
                List.of(
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
                        "amx_bf16"),
                spr.relevantFlags());
    }

    @Test
    void armFeaturesAndAMissingModelName() {
        CpuInfo c = CpuInfo.parse(GRAVITON3);
        assertEquals("unknown", c.model());
        assertTrue(c.has("asimd") && c.has("asimddp") && c.has("i8mm") && c.has("sve"));
        assertFalse(c.has("sve2"));
        assertEquals(List.of("asimd", "asimdhp", "asimddp", "i8mm", "bf16", "sve"), c.relevantFlags());
        // older ARM kernels name the CPU on a "Processor" line
        assertEquals(
                "ARMv7 Processor rev 4 (v7l)",
                CpuInfo.parse("Processor\t: ARMv7 Processor rev 4 (v7l)\nprocessor\t: 0\nFeatures\t: neon vfpv4\n")
                        .model());
    }

    @Test
    void noCpuinfoMeansUnknownAndNoFlags(@TempDir Path dir) {
        CpuInfo c = CpuInfo.read(dir.resolve("no-such-file"));
        assertEquals("unknown", c.model());
        assertTrue(c.flags().isEmpty());
        assertFalse(c.has("avx2"));
        assertEquals("unknown (flags unknown)", c.describe());
        assertEquals("unknown", CpuInfo.parse("").model());
        // the running machine parses without error, whatever it is
        assertTrue(CpuInfo.current().model().length() > 0);
    }
}
