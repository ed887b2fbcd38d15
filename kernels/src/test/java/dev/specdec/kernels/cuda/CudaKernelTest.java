package dev.specdec.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.LayoutHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link CudaKernel} and the generated layout header against the CUDA source, without nvcc or a GPU:
 * every entry point the Java side launches exists in specdec.cu and no other, the per-type kernels
 * come from the generated type list, and the decode handles exactly the types that have a format.
 */
class CudaKernelTest {
    private static final Path SOURCE = Path.of("src/main/cuda/specdec.cu");

    private static String source() throws IOException {
        return Files.readString(SOURCE);
    }

    private static Set<String> all(Pattern p, String s) {
        Set<String> found = new TreeSet<>();
        for (Matcher m = p.matcher(s); m.find(); ) found.add(m.group(1));
        return found;
    }

    @Test
    void theKernelsThatAreNotPerTypeAreExactlyTheSourcesPlainEntryPoints() throws IOException {
        Set<String> inSource = all(Pattern.compile("extern \"C\" __global__ void (\\w+)\\("), source());
        Set<String> inJava = Arrays.stream(CudaKernel.values())
                .filter(k -> !k.perType())
                .map(CudaKernel::symbol)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(inJava, inSource, "extern \"C\" kernels of " + SOURCE + " vs CudaKernel");
    }

    @Test
    void thePerTypeKernelsAreMadeFromTheGeneratedTypeList() throws IOException {
        String s = source();
        Set<String> macros = all(Pattern.compile("extern \"C\" __global__ void (\\w+)_##NAME\\("), s);
        Set<String> perType = Arrays.stream(CudaKernel.values())
                .filter(CudaKernel::perType)
                .map(k -> k.name().toLowerCase())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(perType, macros, "per-type kernel macros of " + SOURCE + " vs CudaKernel");
        for (CudaKernel k : CudaKernel.values()) {
            if (k.perType())
                assertTrue(
                        s.contains("SD_COMPUTE_TYPES(" + k.name() + ")"),
                        k + " is not instantiated over SD_COMPUTE_TYPES");
        }
        assertTrue(s.contains("#include \"ggml_layout.h\""), "the .cu must take its layouts from the generated header");
    }

    @Test
    void theGeneratedTypeListNamesEveryComputedTypeWithTheJavaSuffix() {
        String h = LayoutHeader.render();
        for (GgmlType t : GgmlType.values()) {
            boolean listed = h.contains("X(" + t.name() + ", " + CudaKernel.typeSuffix(t) + ")");
            assertEquals(t.format() != null, listed, t + " in SD_COMPUTE_TYPES");
            if (t.format() != null) {
                assertEquals("matmul_" + CudaKernel.typeSuffix(t), CudaKernel.MATMUL.symbol(t));
                assertTrue(h.contains("#define SD_" + t.name() + "_BYTES " + t.bytesPerBlock() + "\n"), t + " bytes");
            }
        }
    }

    @Test
    void theDecodeHasOneBranchPerComputedTypeAndNoLayoutLiterals() throws IOException {
        String s = source();
        Set<String> branches = all(Pattern.compile("TYPE == SD_(\\w+?)_ID"), s);
        Set<String> computed = Arrays.stream(GgmlType.values())
                .filter(t -> t.format() != null)
                .map(Enum::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(computed, branches, "types decoded by deq<TYPE> in " + SOURCE);
        // block bytes are read from the header: no "(i / 32) * 18" style literals
        assertFalse(
                Pattern.compile("\\(i / \\d+\\) \\* \\d+").matcher(s).find(), "a block layout literal in " + SOURCE);
        for (String macro : all(Pattern.compile("\\b(SD_\\w+)\\b"), s)) {
            if (macro.equals("SD_COMPUTE_TYPES")) continue;
            assertTrue(
                    LayoutHeader.render().contains("#define " + macro + " "),
                    macro + " is used by the .cu but not generated");
        }
    }

    @Test
    void everyKernelsParameterTypesAreTheSourcesSignature() throws IOException {
        String s = source();
        for (CudaKernel k : CudaKernel.values()) {
            String name = k.perType() ? k.name().toLowerCase() + "_##NAME" : k.symbol();
            Matcher m = Pattern.compile("extern \"C\" __global__ void " + Pattern.quote(name) + "\\(([^)]*)\\)")
                    .matcher(s);
            assertTrue(m.find(), k + ": no entry point " + name + " in " + SOURCE);
            List<CudaKernel.Arg> inSource = new ArrayList<>();
            for (String param : m.group(1).split(",")) inSource.add(argOf(param.strip()));
            assertEquals(inSource, k.params(), k + ": parameter types of " + name + " (" + m.group(1) + ")");
        }
    }

    @Test
    void aLaunchWithArgumentsThatDoNotMatchTheSignatureIsRefusedBeforeTheDriver() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> CudaKernel.SOFTCAP.checkArguments(new Object[] {new jcuda.driver.CUdeviceptr(), 5, 30f}));
        assertTrue(e.getMessage().contains("argument 1 must be LONG, got Integer"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> CudaKernel.ADD.checkArguments(new Object[] {new jcuda.driver.CUdeviceptr()}));
        CudaKernel.SOFTCAP.checkArguments(new Object[] {new jcuda.driver.CUdeviceptr(), 5L, 30f});
    }

    /** A C parameter declaration ("const float* x", "long n") as the launch passes it. */
    private static CudaKernel.Arg argOf(String param) {
        if (param.contains("*")) return CudaKernel.Arg.PTR;
        String type =
                param.substring(0, param.lastIndexOf(' ')).replace("const", "").strip();
        return switch (type) {
            case "int" -> CudaKernel.Arg.INT;
            case "long" -> CudaKernel.Arg.LONG;
            case "float" -> CudaKernel.Arg.FLOAT;
            default -> throw new AssertionError("parameter type '" + type + "' has no launch mapping: " + param);
        };
    }
}
