/**
 * Taylor attribution of an option position's P&L over one step (Greeks at the step's start, plain partial
 * derivatives as in pricing/black.ts):
 *   dV = Delta dF + 1/2 Gamma dF^2 + Theta dt + Vega dsigma + residual,
 * where the residual holds the higher-order terms (vanna, volga, the third derivative in F, the change of the
 * Greeks over the step, expiry inside the step). For a delta-hedged book the gamma and theta parts are the
 * "gamma P&L vs theta bleed" of the textbooks (Bergomi, Stochastic Volatility Modeling, ch. 1): their sum is
 * 1/2 Gamma F^2 (r^2 - sigma^2 dt), which averages to zero when the realised variance equals the implied one.
 * A perp position's P&L is all delta (`quantity x dF`).
 */
export interface StepAttribution {
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  residual: number;
  total: number;
}

/** Splits `quantity x (price1 - greeks0.price)` into its Taylor parts, written into `out`. */
export function attributeStep(
  quantity: number,
  greeks0: { price: number; delta: number; gamma: number; theta: number; vega: number },
  price1: number,
  dF: number,
  dtYears: number,
  dVol: number,
  out: StepAttribution,
): StepAttribution {
  const total = quantity * (price1 - greeks0.price);
  out.delta = quantity * greeks0.delta * dF;
  out.gamma = 0.5 * quantity * greeks0.gamma * dF * dF;
  out.theta = quantity * greeks0.theta * dtYears;
  out.vega = quantity * greeks0.vega * dVol;
  out.residual = total - out.delta - out.gamma - out.theta - out.vega;
  out.total = total;
  return out;
}
