// The outer search of the SVI fit (fit.ts) over (m, sigma).
/** Nelder-Mead on R^2 (standard coefficients 1, 2, 1/2, 1/2); `f` may return Infinity outside its domain. */
export function nelderMead(
  f: (x: number, y: number) => number,
  start: readonly [number, number],
  step: readonly [number, number],
  maxEvals: number,
  tolX: number,
): { x: number; y: number; f: number; evals: number } {
  const px = [start[0], start[0] + step[0], start[0]];
  const py = [start[1], start[1], start[1] + step[1]];
  const fv = [f(px[0]!, py[0]!), f(px[1]!, py[1]!), f(px[2]!, py[2]!)];
  let evals = 3;
  const order = [0, 1, 2];
  while (evals < maxEvals) {
    order.sort((i, j) => fv[i]! - fv[j]!);
    const [b, s, w] = order as [number, number, number];
    const size = Math.max(
      Math.abs(px[s]! - px[b]!),
      Math.abs(px[w]! - px[b]!),
      Math.abs(py[s]! - py[b]!),
      Math.abs(py[w]! - py[b]!),
    );
    if (size < tolX) break;
    const cx = 0.5 * (px[b]! + px[s]!);
    const cy = 0.5 * (py[b]! + py[s]!);
    const rx = cx + (cx - px[w]!);
    const ry = cy + (cy - py[w]!);
    const fr = f(rx, ry);
    evals++;
    if (fr < fv[b]!) {
      const ex = cx + 2 * (cx - px[w]!);
      const ey = cy + 2 * (cy - py[w]!);
      const fe = f(ex, ey);
      evals++;
      if (fe < fr) {
        px[w] = ex;
        py[w] = ey;
        fv[w] = fe;
      } else {
        px[w] = rx;
        py[w] = ry;
        fv[w] = fr;
      }
      continue;
    }
    if (fr < fv[s]!) {
      px[w] = rx;
      py[w] = ry;
      fv[w] = fr;
      continue;
    }
    const outside = fr < fv[w]!;
    const kx = outside ? cx + 0.5 * (rx - cx) : cx + 0.5 * (px[w]! - cx);
    const ky = outside ? cy + 0.5 * (ry - cy) : cy + 0.5 * (py[w]! - cy);
    const fk = f(kx, ky);
    evals++;
    if (fk < (outside ? fr : fv[w]!)) {
      px[w] = kx;
      py[w] = ky;
      fv[w] = fk;
      continue;
    }
    for (const i of [s, w]) {
      px[i] = px[b]! + 0.5 * (px[i]! - px[b]!);
      py[i] = py[b]! + 0.5 * (py[i]! - py[b]!);
      fv[i] = f(px[i]!, py[i]!);
      evals++;
    }
  }
  order.sort((i, j) => fv[i]! - fv[j]!);
  const b = order[0]!;
  return { x: px[b]!, y: py[b]!, f: fv[b]!, evals };
}
