/**
 * v3-core's `FullMath.sol` (Remco Bloemen's 512-bit mulDiv, https://xn--2-umb.com/21/muldiv): `mulDiv` and
 * `mulDivRoundingUp`. BigInt has no overflow, so the contract's 512-bit tricks reduce to plain division; the
 * rounding is the contract's.
 */

/** `floor(a * b / denominator)`. */
export function mulDiv(a: bigint, b: bigint, denominator: bigint): bigint {
  return (a * b) / denominator;
}

/** `ceil(a * b / denominator)`. */
export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  const product = a * b;
  const quotient = product / denominator;
  return product % denominator === 0n ? quotient : quotient + 1n;
}
