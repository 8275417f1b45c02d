/**
 * An independent check of Carr-Madan: the continuous hedge pays `-f(S_T)`, so its value must equal
 * `-e^{-rT} E[f(S_T)]` for the lognormal `S_T = F exp(s z - s^2/2)`, `s = vol sqrt(T)`. The expectation is taken
 * here by composite Simpson over z, a method that shares nothing with the strip's log-strike quadrature.
 */
export function lognormalExpectation(f: (price: number) => number, forward: number, s: number, points = 24000): number {
  const zMax = 12;
  const h = (2 * zMax) / points;
  let sum = 0;
  for (let i = 0; i <= points; i++) {
    const z = -zMax + i * h;
    const weight = i === 0 || i === points ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * f(forward * Math.exp(s * z - 0.5 * s * s)) * Math.exp(-0.5 * z * z);
  }
  return (sum * h) / 3 / Math.sqrt(2 * Math.PI);
}

/** Least-squares slope of log(errors) against log(steps): the observed order of convergence. */
export function convergenceOrder(steps: readonly number[], errors: readonly number[]): number {
  const xs = steps.map(Math.log);
  const ys = errors.map(Math.log);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) * (x - mx);
  });
  return num / den;
}
