package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The type table against ggml's (ggml-common.h's static_asserts) and the type -> format mapping. */
class GgmlTypeTest {

    @Test
    void blockBytesAreGgmls() {
        // sizeof(block_*) in ggml-common.h, an outside check of the fields stated in GgmlType
        int[][] ggml = {
            {0, 4}, {1, 2}, {2, 18}, {3, 20}, {6, 22}, {7, 24}, {8, 34}, {9, 36}, {10, 84}, {11, 110}, {12, 144},
            {13, 176}, {14, 210}, {15, 292}, {30, 2}
        };
        for (int[] e : ggml)
            assertEquals(
                    e[1],
                    GgmlType.byId(e[0]).bytesPerBlock(),
                    GgmlType.byId(e[0]).name());
        assertEquals(208, GgmlType.Q6_K.offset("d"));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q6_K.offset("dmin"));
    }

    @Test
    void everyPermittedFormatIsTheFormatOfItsType() {
        long formats =
                Arrays.stream(GgmlType.values()).filter(t -> t.format() != null).count();
        assertEquals(TensorFormat.class.getPermittedSubclasses().length, formats);
        for (GgmlType t : GgmlType.values()) {
            if (t.format() != null) assertSame(t, t.format().type(), t.name());
        }
        assertEquals(null, GgmlType.Q8_1.format());
        assertEquals(null, GgmlType.Q8_K.format());
    }
}
