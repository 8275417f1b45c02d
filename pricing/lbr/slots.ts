/**
 * The typed-array argument and result slots of the normalised Black function and its regions (normalisedBlack.ts
 * and asymptoticExpansion.generated.ts). Optimised V8 code boxes a double returned from a function it did not
 * inline (one heap allocation per call), and doubles passed as arguments are boxed too; reading and writing a
 * typed array does not, which removes most garbage collection from the batch loops.
 */

/**
 * Result slot of `normalisedBlackOtmInto` and the region functions. NB_OUT[0]: the normalised value. NB_OUT[1]
 * and NB_OUT[2]: N(d1) and N(d2) of the out-of-the-money call b(x, s) when the region computed them on the way
 * (region III), else -1; the Greeks reuse them instead of a second erfc (see black.ts).
 */
export const NB_OUT = new Float64Array(3);
/** Argument slots of `normalisedBlackOtmInto` (x, s, E, bMax). */
export const NB_IN = new Float64Array(4);
/** Argument slots (h, t, E) of the region I and II functions. */
export const REGION_IN = new Float64Array(3);
