/**
 * The one time vocabulary of ilhedge: time constants in milliseconds and the ACT/365 day count that every layer
 * uses (docs/CONVENTIONS.md, "Time and units"). Year fractions are ACT/365 in calendar time: a year is 365 days of
 * 86,400,000 ms, with no leap-year or business-day adjustment, which is what Deribit, OKX, Bybit and Binance use
 * for their own Greeks. Nothing here reads the clock: time is always passed in.
 *
 * New code must not write these constants as literals (86_400_000, 3_600_000, 365 * 24, ...): the lint rule
 * `no-restricted-syntax` in eslint.config.js and test/pricing/time.test.ts keep them out.
 */

/** Milliseconds in one second. */
export const MS_PER_SECOND = 1_000;
/** Milliseconds in one minute. */
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;
/** Milliseconds in one hour. */
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
/** Milliseconds in one calendar day. */
export const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Days in an ACT/365 year. */
export const DAYS_PER_YEAR = 365;
/** Hours in an ACT/365 year (8,760). */
export const HOURS_PER_YEAR = DAYS_PER_YEAR * 24;
/** Milliseconds in an ACT/365 year (31,536,000,000). */
export const MS_PER_YEAR = DAYS_PER_YEAR * MS_PER_DAY;

/** ACT/365 year fraction from `fromMs` to `toMs` (negative when `toMs` is earlier, e.g. an expired option). */
export function yearFractionAct365(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/** Days (calendar, possibly fractional) as an ACT/365 year fraction. */
export function daysToYears(days: number): number {
  return days / DAYS_PER_YEAR;
}

/** An ACT/365 year fraction as calendar days. */
export function yearsToDays(years: number): number {
  return years * DAYS_PER_YEAR;
}

/** A duration in milliseconds as an ACT/365 year fraction. */
export function msToYears(ms: number): number {
  return ms / MS_PER_YEAR;
}

/** A duration in milliseconds as calendar days. */
export function msToDays(ms: number): number {
  return ms / MS_PER_DAY;
}

/** Calendar days as milliseconds. */
export function daysToMs(days: number): number {
  return days * MS_PER_DAY;
}

/** Hours as milliseconds. */
export function hoursToMs(hours: number): number {
  return hours * MS_PER_HOUR;
}

/** A duration in milliseconds as hours. */
export function msToHours(ms: number): number {
  return ms / MS_PER_HOUR;
}

/** A rate per year (theta, LVR, funding) as a rate per calendar day. */
export function perYearToPerDay(perYear: number): number {
  return perYear / DAYS_PER_YEAR;
}
