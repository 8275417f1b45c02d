/**
 * What one policy holds on one path (a perp position and option legs) and what it has earned, with the step that
 * moves it from one time to the next. P&L is mark-to-market in the quote currency: a trade at mid changes nothing,
 * its half-spread and fee go to `costs`. The hedge P&L of each step is split by a Taylor expansion with the Greeks
 * at the step's start (`lab/attribution.ts`).
 */
import { black76Greeks, type OptionType } from '../pricing/index.js';
import { attributeStep, type StepAttribution } from './attribution.js';
import { quoteOption } from './chain.js';
import type { CostSettings, HedgeAttribution, MarketPath } from './types.js';
import { MS_PER_YEAR } from '../pricing/time.js';

export interface Leg {
  type: OptionType;
  strike: number;
  expiryMs: number;
  /** Base units, + long. */
  quantity: number;
  /** Per base unit at the current step: Black-76 value and Greeks. */
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

export class HedgeState {
  perpBase = 0;
  legs: Leg[] = [];
  hedge: HedgeAttribution = { delta: 0, gamma: 0, theta: 0, vega: 0, residual: 0 };
  funding = 0;
  costs = 0;
  trades = 0;
  tradeSteps: number[] = [];
  private readonly scratch: StepAttribution = { delta: 0, gamma: 0, theta: 0, vega: 0, residual: 0, total: 0 };

  constructor(
    readonly path: MarketPath,
    readonly costSettings: CostSettings,
    readonly recordTrades: boolean,
  ) {}

  private noteTrade(step: number): void {
    this.trades++;
    if (this.recordTrades && this.tradeSteps[this.tradeSteps.length - 1] !== step) this.tradeSteps.push(step);
  }

  /** Rounds a perp order to the lot (0: any size). */
  roundPerp(base: number): number {
    const lot = this.costSettings.perpLotBase;
    return lot > 0 ? Math.round(base / lot) * lot : base;
  }

  /** Trades `base` units of perp at step `step` (already rounded by the caller if it wants lots). */
  tradePerp(step: number, base: number): void {
    if (base === 0) return;
    this.perpBase += base;
    this.costs -= Math.abs(base) * this.path.prices[step]! * this.costSettings.perpCostFraction;
    this.noteTrade(step);
  }

  /** Sets the perp to `target` base units (rounded to the lot). */
  perpTo(step: number, target: number): void {
    this.tradePerp(step, this.roundPerp(target - this.perpBase));
  }

  /** Buys (+) or sells (-) `base` units of an option at step `step`, paying the half-spread and the fee. */
  tradeOption(step: number, type: OptionType, strike: number, expiryMs: number, base: number): void {
    if (base === 0) return;
    const price = this.path.prices[step]!;
    const vol = this.path.vols[step]!;
    const years = Math.max(0, (expiryMs - this.path.timesMs[step]!) / MS_PER_YEAR);
    const q = quoteOption(type, price, strike, years, vol, this.costSettings);
    this.costs -= base > 0 ? base * (q.ask - q.mid + q.fee) : -base * (q.mid - q.bid + q.fee);
    this.noteTrade(step);
    let leg = this.legs.find((l) => l.type === type && l.strike === strike && l.expiryMs === expiryMs);
    if (!leg) {
      const g = black76Greeks(type, price, strike, years, vol);
      leg = {
        type,
        strike,
        expiryMs,
        quantity: 0,
        price: g.price,
        delta: g.delta,
        gamma: g.gamma,
        vega: g.vega,
        theta: g.theta,
      };
      this.legs.push(leg);
    }
    leg.quantity += base;
    if (Math.abs(leg.quantity) < 1e-12) this.legs.splice(this.legs.indexOf(leg), 1);
  }

  /** Options' delta, gamma, vega, theta in base units / quote (sum over legs). */
  optionGreeks(): { delta: number; gamma: number; vega: number; theta: number } {
    let delta = 0;
    let gamma = 0;
    let vega = 0;
    let theta = 0;
    for (const l of this.legs) {
      delta += l.quantity * l.delta;
      gamma += l.quantity * l.gamma;
      vega += l.quantity * l.vega;
      theta += l.quantity * l.theta;
    }
    return { delta, gamma, vega, theta };
  }

  /** Moves the holdings from step i to i + 1: P&L, funding, attribution; legs expiring by then settle. */
  advance(i: number): void {
    const { prices, vols, timesMs, fundingPerYear } = this.path;
    const p0 = prices[i]!;
    const p1 = prices[i + 1]!;
    const dP = p1 - p0;
    const dtYears = (timesMs[i + 1]! - timesMs[i]!) / MS_PER_YEAR;
    if (this.perpBase !== 0) {
      this.hedge.delta += this.perpBase * dP;
      // Positive funding: longs pay shorts, accrued on the notional at the step's start.
      this.funding -= this.perpBase * p0 * fundingPerYear[i]! * dtYears;
    }
    if (this.legs.length === 0) return;
    const v1 = vols[i + 1]!;
    const dVol = v1 - vols[i]!;
    const t1 = timesMs[i + 1]!;
    const a = this.scratch;
    let expired = false;
    for (const leg of this.legs) {
      const years1 = Math.max(0, (leg.expiryMs - t1) / MS_PER_YEAR);
      const thetaYears = Math.max(0, Math.min(dtYears, (leg.expiryMs - timesMs[i]!) / MS_PER_YEAR));
      const g = black76Greeks(leg.type, p1, leg.strike, years1, v1);
      attributeStep(leg.quantity, leg, g.price, dP, thetaYears, dVol, a);
      this.hedge.delta += a.delta;
      this.hedge.gamma += a.gamma;
      this.hedge.theta += a.theta;
      this.hedge.vega += a.vega;
      this.hedge.residual += a.residual;
      leg.price = g.price;
      leg.delta = g.delta;
      leg.gamma = g.gamma;
      leg.vega = g.vega;
      leg.theta = g.theta;
      if (years1 === 0) expired = true;
    }
    // Expired legs have paid their intrinsic value (already in the P&L as their last mark): drop them.
    if (expired) this.legs = this.legs.filter((l) => l.expiryMs > t1);
  }

  hedgePnl(): number {
    const h = this.hedge;
    return h.delta + h.gamma + h.theta + h.vega + h.residual;
  }
}
