import { test } from 'vitest';
import { black76Price } from '../../../pricing/black.js';
test('v5', () => {
  const T = (Date.parse('2024-09-27T08:00:00Z') - Date.parse('2023-11-10T05:18:31.632Z')) / (365 * 86400000);
  const v = (t: number) => black76Price('call', 39165.86, 40000, t, 0.6086);
  console.log('1-day', v(T - 1/365) - v(T), 'central', (v(T-0.5/365)-v(T+0.5/365)), 'iv-bump', (black76Price('call', 39165.86, 40000, T, 0.6186) - black76Price('call', 39165.86, 40000, T, 0.5986))/2);
  for (const iv of [0.60855, 0.60865]) console.log(iv, black76Price('call', 39165.86, 40000, T, iv)/39165.86);
});
