import { it } from 'vitest';
import { createReplayClient } from '../../adapters/replayRest.js';
import { deribit } from '../../adapters/venues/deribit.js';
import { DERIBIT_2026_ROUTES, recordingOf } from './fixtures.js';
it('scratch', async () => {
  const log: string[] = [];
  const ex = createReplayClient(recordingOf('deribit', DERIBIT_2026_ROUTES), { log });
  const idx = await deribit.loadInstruments(ex, { underlying: 'BTC' });
  console.log(idx.size, idx.all().slice(0, 1), idx.find('BTC-PERPETUAL'));
  const q = await deribit.fetchQuotes(ex, idx, { underlying: 'BTC' });
  console.log(q.options[0], q.perp, q.futures.length, q.unknown, log);
});
