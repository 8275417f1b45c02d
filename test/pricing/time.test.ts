import { describe, expect, it } from 'vitest';
import * as adapters from '../../adapters/model.js';
import * as time from '../../pricing/time.js';
import * as pricing from '../../pricing/index.js';

describe('pricing/time.ts: the one time vocabulary (ACT/365)', () => {
  it('has the constants written out here as literals, on purpose', () => {
    expect(time.MS_PER_SECOND).toBe(1_000);
    expect(time.MS_PER_MINUTE).toBe(60_000);
    expect(time.MS_PER_HOUR).toBe(3_600_000);
    expect(time.MS_PER_DAY).toBe(86_400_000);
    expect(time.DAYS_PER_YEAR).toBe(365);
    expect(time.HOURS_PER_YEAR).toBe(8_760);
    expect(time.MS_PER_YEAR).toBe(31_536_000_000);
  });

  it('converts with ACT/365: a year is 365 days, no leap day', () => {
    const from = Date.parse('2024-01-01T08:00:00Z');
    expect(time.yearFractionAct365(from, Date.parse('2024-12-31T08:00:00Z'))).toBe(1); // 2024 is a leap year
    expect(time.yearFractionAct365(Date.parse('2024-09-27T08:00:00Z'), from)).toBeLessThan(0);
    expect(time.daysToYears(73)).toBe(0.2);
    expect(time.yearsToDays(0.2)).toBe(73);
    expect(time.msToYears(31_536_000_000 / 4)).toBe(0.25);
    expect(time.msToDays(129_600_000)).toBe(1.5);
    expect(time.daysToMs(2)).toBe(172_800_000);
    expect(time.hoursToMs(8)).toBe(28_800_000);
    expect(time.msToHours(28_800_000)).toBe(8);
    expect(time.perYearToPerDay(-777.4312632941546)).toBe(-777.4312632941546 / 365);
  });

  it('is the one adapters and the pricing index re-export (same functions, same constants)', () => {
    expect(adapters.yearFractionAct365).toBe(time.yearFractionAct365);
    expect(adapters.MS_PER_YEAR_ACT365).toBe(time.MS_PER_YEAR);
    expect(adapters.MS_PER_DAY).toBe(time.MS_PER_DAY);
    expect(pricing.yearFractionAct365).toBe(time.yearFractionAct365);
    expect(pricing.DAYS_PER_YEAR).toBe(365);
  });
});
