/**
 * `ilhedge record` plumbing, in process, against loopback servers (tests never touch the venue): the command
 * records REST from a local HTTP server playing Deribit and the websocket from the loopback replay of the real
 * 2021 frames, writes a file the recording schema accepts, and summarises what it kept.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readRecordingFile } from '../../../adapters/recording.js';
import { startReplayWsServer } from '../../../adapters/replayWs.js';
import { register, runRecord } from '../../../src/cli/commands/record.js';
import { fixtureText } from '../fixtures.js';
import { DERIBIT_2021_IDS, deribitWsFrames } from '../live/deribitFrames.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('ilhedge record', () => {
  it('documents that it needs the network, and its options', () => {
    const program = new Command();
    register(program);
    const help = program.commands.find((c) => c.name() === 'record')!.helpInformation();
    expect(help).toMatch(/NEEDS NETWORK/);
    for (const option of ['--venue', '--underlying', '--seconds', '--out', '--ws-url', '--rest-url']) {
      expect(help).toContain(option);
    }
  });

  it('records a loopback session into a valid recording file', async () => {
    const all = JSON.parse(fixtureText('deribit', 'get_instruments_BTC_2021-07-22.json')) as {
      result: { kind: string }[];
    };
    const http = createServer((req, res) => {
      const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('kind');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...all, result: all.result.filter((i) => i.kind === kind) }));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const ws = await startReplayWsServer({
      venue: 'deribit',
      frames: deribitWsFrames(),
      speed: 400,
      maxGapMs: 2,
      minSubscribedChannels: 7,
    });
    cleanups.push(() => ws.close());
    const dir = mkdtempSync(join(tmpdir(), 'ilhedge-record-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'rec.json');
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    await runRecord({
      venue: 'deribit',
      underlying: 'btc',
      seconds: 1,
      out,
      instruments: DERIBIT_2021_IDS.filter((id) => id.startsWith('BTC-')).join(','),
      maxOptions: 60,
      snapshot: false,
      restUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      wsUrl: ws.url,
      quiet: true,
      json: true,
    });
    const summary = JSON.parse(printed.join('')) as Record<string, unknown>;
    const recording = readRecordingFile(out);
    expect(recording.venue).toBe('deribit');
    expect(recording.underlying).toBe('BTC');
    expect(summary).toMatchObject({ file: out, venue: 'deribit', underlying: 'BTC', instruments: 7, httpResponses: 2 });
    // 69 BTC ticker notifications + the subscribe ack, all kept as received.
    expect(recording.ws.filter((f) => f.data.includes('"subscription"'))).toHaveLength(69);
    expect(summary.wsFrames).toBe(recording.ws.length);
    expect(summary.quotes).toBe(69);
  });

  it('rejects bad options with usage errors', async () => {
    const base = { underlying: 'BTC', out: '/nonexistent/x.json', maxOptions: 60, snapshot: true, seconds: 1 };
    await expect(runRecord({ ...base, venue: 'kraken' })).rejects.toThrow(/--venue/);
    await expect(runRecord({ ...base, venue: 'deribit', seconds: 0 })).rejects.toThrow(/--seconds/);
    await expect(runRecord({ ...base, venue: 'deribit', expiry: '2026-13-45' })).rejects.toThrow(/--expiry/);
  });
});
