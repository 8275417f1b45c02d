/**
 * Prices and sizes on venue grids. Deribit's option tick depends on the price (`tick_size_steps`: 0.0001 BTC below
 * 0.005, 0.0005 above), so the tick is chosen by the price being rounded. Arithmetic goes through integer tick
 * counts so 0.0155 stays 0.0155 (not 0.015500000000000002).
 */
import type { Instrument } from '../adapters/model.js';

/** The tick that applies at `price` (the largest step whose threshold the price exceeds). */
export function tickAt(instrument: Pick<Instrument, 'priceTick' | 'priceTickSteps'>, price: number): number {
  let tick = instrument.priceTick;
  let threshold = -Infinity;
  for (const step of instrument.priceTickSteps) {
    if (price > step.abovePrice && step.abovePrice > threshold) {
      tick = step.tick;
      threshold = step.abovePrice;
    }
  }
  return tick;
}

function decimalsOf(step: number): number {
  const text = step.toString();
  if (text.includes('e-')) return Number(text.split('e-')[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Rounds to a multiple of `step`, `up` (ceil), `down` (floor) or nearest, without binary noise. */
export function roundToStep(value: number, step: number, mode: 'up' | 'down' | 'nearest'): number {
  const n = value / step;
  // Guard against n = 2.9999999999 meaning 3 before taking ceil/floor.
  const near = Math.round(n);
  const k = Math.abs(n - near) < 1e-9 ? near : mode === 'up' ? Math.ceil(n) : mode === 'down' ? Math.floor(n) : near;
  return Number((k * step).toFixed(Math.min(20, decimalsOf(step) + 2)));
}

/** A buy limit on the grid at or above `price`; a sell limit at or below it. */
export function limitOnGrid(
  instrument: Pick<Instrument, 'priceTick' | 'priceTickSteps'>,
  price: number,
  side: 'buy' | 'sell',
): number {
  // Venue tick thresholds are multiples of both ticks around them (Deribit: 0.005 BTC), so rounding up in the fine
  // region or down in the coarse one stops at the threshold at the latest, which lies on both grids.
  return roundToStep(price, tickAt(instrument, price), side === 'buy' ? 'up' : 'down');
}

/** True when `price` is a whole number of the tick that applies at it. */
export function isOnTickGrid(instrument: Pick<Instrument, 'priceTick' | 'priceTickSteps'>, price: number): boolean {
  const tick = tickAt(instrument, price);
  const n = price / tick;
  return Math.abs(n - Math.round(n)) < 1e-7;
}
