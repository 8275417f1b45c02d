/**
 * LP positions as plain data (QuantLib's instrument/engine split: the functions of `pricing/lp` price them).
 *
 * Units (docs/CONVENTIONS.md): a pool price `P` is quote per base in human units (USDC per ETH); amounts are human
 * token units (ETH, USDC); values are in the quote currency. Liquidity `L` is the human-unit liquidity
 * `sqrt(base * quote)` of the virtual reserves, so `x = L/sqrt(P)`, `y = L*sqrt(P)` for v2. Uniswap's raw integer
 * liquidity converts with `liquidityRawToHuman` in `uniswap.ts`.
 */

/** Uniswap v2 (full range) position: `V = 2 L sqrt(P)`. */
export interface V2Position {
  readonly model: 'v2';
  /** Human-unit liquidity `L = sqrt(x y)`. */
  readonly liquidity: number;
  /** Pool price at entry (quote per base); IL is measured against holding the amounts held at this price. */
  readonly entryPrice: number;
}

/** Uniswap v3 range position on `[lower, upper]` (quote per base). */
export interface V3Position {
  readonly model: 'v3';
  /** Human-unit liquidity `L`. */
  readonly liquidity: number;
  /** Lower bound of the range `Pa` (quote per base); below it the position is all base token. */
  readonly lower: number;
  /** Upper bound of the range `Pb` (quote per base); above it the position is all quote token. */
  readonly upper: number;
  /** Pool price at entry (quote per base). */
  readonly entryPrice: number;
}

/** Balancer-style weighted pool share with weight `weight` on the base token: `V = V0 (P/P0)^weight`. */
export interface WeightedPosition {
  readonly model: 'weighted';
  /** Weight of the base token, strictly between 0 and 1 (0.5 is the v2 constant product). */
  readonly weight: number;
  /** Position value at entry `V0` (quote currency). */
  readonly entryValue: number;
  /** Pool price at entry `P0` (quote per base). */
  readonly entryPrice: number;
}

export type LpPosition = V2Position | V3Position | WeightedPosition;
export type LpModel = LpPosition['model'];

/** The state of a position at a pool price: all in the quote currency / human token units. */
export interface LpState {
  /** `V(P) = x P + y` (quote currency). */
  value: number;
  /** Base token held `x` (base units). */
  amountBase: number;
  /** Quote token held `y` (quote units). */
  amountQuote: number;
  /** `dV/dP` (base units; equals `amountBase` for AMM positions). */
  delta: number;
  /** `d2V/dP2` (base units per unit of quote price); never positive. */
  gamma: number;
}

/** A position built from token amounts, with what the pool would not take (the min-liquidity rule). */
export interface LpFromAmounts<P extends LpPosition = LpPosition> {
  position: P;
  /** Base token actually deposited (base units). */
  usedBase: number;
  /** Quote token actually deposited (quote units). */
  usedQuote: number;
  /** Base token left over (base units). */
  leftoverBase: number;
  /** Quote token left over (quote units). */
  leftoverQuote: number;
}

/**
 * One JSON-able description of a position, as the desk config and the batch CLI write it. `price` is the entry
 * pool price (quote per base). Give exactly one sizing: `depositValue` (quote currency), `liquidity` (human units;
 * v2/v3 only), or both `amountBase` and `amountQuote` (min-liquidity rule).
 */
export type LpSpec =
  | ({ model: 'v2'; price: number } & LpSizing)
  | ({ model: 'v3'; lower: number; upper: number; price: number } & LpSizing)
  | ({ model: 'weighted'; weight: number; price: number } & LpSizing);

export interface LpSizing {
  depositValue?: number;
  liquidity?: number;
  amountBase?: number;
  amountQuote?: number;
}
