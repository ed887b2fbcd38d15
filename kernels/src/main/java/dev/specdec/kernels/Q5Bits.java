package dev.specdec.kernels;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The fifth-bit field of Q5_0 and Q5_1: bit j of the 32-bit qh belongs to value j of the block. */
final class Q5Bits {
    private Q5Bits() {}

    /** Ints with as many lanes as the float species. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, Vectors.F.vectorShape());
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    /** Lane i: bit (first + i) of qh, moved to bit 4. */
    static IntVector fifth(int qh, int first) {
        return IntVector.broadcast(I, qh >>> first).lanewise(VectorOperators.LSHR, IOTA).and(1).lanewise(VectorOperators.LSHL, 4);
    }
}
