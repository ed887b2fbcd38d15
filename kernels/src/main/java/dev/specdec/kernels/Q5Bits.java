package dev.specdec.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Constants for the fifth-bit field of Q5_0 and Q5_1: bit j of the 32-bit qh belongs to value j
 * of the block. The 16 bits of a half block become 16 bytes of 0 or 16 in byte lanes, the same
 * at every float width (lanes of ints as wide as the float species made the code width-specific,
 * and its variable-species conversion fell back to the Vector API's Java code at 256 bits):
 * <pre>
 *   IntVector.broadcast(SPECIES_128, qh >>> 16h).reinterpretAsBytes()   // the 4 bytes of qh, 4 times
 *       .rearrange(SPREAD).and(BIT)                                     // lane k: bit k % 8 of byte k / 8
 *       .lanewise(UMIN, 1)                                              // 0 or 1
 *       .reinterpretAsShorts().lanewise(LSHL, 4).reinterpretAsBytes()   // 0 or 16 (no bit leaves its byte)
 * </pre>
 * written out at each use (vectors never cross a helper call: see {@link Vectors}).
 */
final class Q5Bits {
    private Q5Bits() {}

    /** Lanes 0-7 take byte 0, lanes 8-15 byte 1. */
    static final VectorShuffle<Byte> SPREAD = VectorShuffle.fromOp(Vectors.B128, i -> i / 8);

    /** Lane k: the bit k % 8. */
    static final ByteVector BIT = ByteVector.fromArray(
            Vectors.B128, new byte[] {1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128}, 0);
}
