/**
 * The soak and load test of the desk service (issue 13): the service in this process, on loopback, fed by a scripted
 * feed of the built-in Deribit chain at `ticksPerSec`, with `positions` positions (each holding a put and a short
 * perp, as in `bench/suites/service.ts`) and `clients` websocket clients driven from a child process
 * (`clients.ts`: steady, slow, reconnecting and garbage-sending clients). For `durationMs` after a warm-up it
 * samples this process's memory (RSS, heap) and open descriptors (`/proc/self/fd`, this process being the
 * service's), forces a garbage collection every `gcSampleMs` to read the live heap, and collects per window
 * (a minute by default) the clients' tick-to-push percentiles and the service's own tick time and event-loop delay.
 * The report's verdict: memory and descriptors level off (`levels.ts`), no client received a message out of order
 * (`order.ts`), every garbage message was refused, every window delivered.
 *
 * This module runs it, in that order; the parts: `options.ts` (settings), `service.ts` (the service and its feed),
 * `loadGenerator.ts` (the child process), `samplers.ts` (what is measured here), `analysis.ts` (the report).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nowPrecise } from '../../src/service/feeds/base.js';
import { assembleReport } from './analysis.js';
import type { SoakReport } from './analysis.js';
import { ClientChannel, clientScript } from './loadGenerator.js';
import { clientCounts } from './options.js';
import type { SoakOptions } from './options.js';
import { MemorySampler, TickSampler, gcFunction, windowEnd } from './samplers.js';
import type { MeasuredPeriod, WindowEnd } from './samplers.js';
import { counterValue, startSoakService } from './service.js';
import type { ClientConfig } from './protocol.js';

export { ORDER_FIELD } from './analysis.js';
export type { SoakReport, SoakWindow } from './analysis.js';
export { DEFAULT_MINUTES, DEFAULT_THRESHOLDS, clientCounts, soakOptions } from './options.js';
export type { SoakOptions } from './options.js';
export type { GcSample, MemorySample } from './samplers.js';
export { soakHoldings, soakPositions } from './service.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.progress ?? (() => {});
  const startedAt = new Date();
  const loadAverageStart = os.loadavg();
  const counts = clientCounts(options.clients, options.mix);
  const { gc, how: heapMeasure } = gcFunction();

  const { feed, states, handle } = await startSoakService(options);
  const script = await clientScript();
  let child: ChildProcess | null = null;
  const timers: NodeJS.Timeout[] = [];
  try {
    await handle.context.desk.idle();
    const key = (await handle.store.createApiKey('viewer', 'soak')).key;
    const positionIds = (await handle.store.listPositions()).map((p) => p.id);
    await feed.start();

    // The feed ticks from the start: clients connect to a live stream, as they would to a running desk.
    const period: MeasuredPeriod = { startMs: Infinity };
    const windowCount = Math.max(1, Math.ceil(options.durationMs / options.windowMs));
    const ticks = new TickSampler(feed, states, period, options, windowCount);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const windowEnds: WindowEnd[] = [];
    timers.push(setInterval(() => ticks.tick(), 1000 / options.ticksPerSec));
    const memory = new MemorySampler(period, () => handle.stream.clientCount, gc);

    child = fork(script.file, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const channel = new ClientChannel(child);
    const config: ClientConfig = {
      url: handle.url.replace('http', 'ws') + '/ws',
      key,
      positionIds,
      counts,
      slowSubscriptions: options.slowSubscriptions,
      slowPauseMs: options.slowPauseMs,
      slowReadMs: options.slowReadMs,
      reconnectLifetimeMs: options.reconnectLifetimeMs,
      garbageAfterMs: options.garbageAfterMs,
      rampPerSec: options.rampPerSec,
      seed: options.seed,
    };
    const readyIn = Math.max(30_000, (options.clients / options.rampPerSec) * 1000 * 3);
    const ready = channel.next('ready', readyIn);
    channel.send({ type: 'config', config });
    const readyMessage = await ready;
    progress(`soak: ${options.clients} clients connected in ${readyMessage.elapsedMs.toFixed(0)} ms; warm-up`);
    const clock = await channel.measureClock();

    await sleep(options.warmupMs);
    period.startMs = nowPrecise();
    channel.send({ type: 'measure', startAtMs: period.startMs, windowMs: options.windowMs });
    loopDelay.enable();
    loopDelay.reset();
    const conflatedBefore = await counterValue(handle, 'wsConflated');
    const sentBefore = await counterValue(handle, 'wsMessages');
    memory.sample();
    timers.push(setInterval(() => memory.sample(), options.sampleMs));
    memory.gcSample();
    timers.push(setInterval(() => memory.gcSample(), options.gcSampleMs));
    for (let w = 0; w < windowCount; w++) {
      const end = period.startMs + Math.min((w + 1) * options.windowMs, options.durationMs);
      await sleep(Math.max(0, end - nowPrecise()));
      const state = windowEnd(loopDelay, handle.stream.clientCount);
      windowEnds.push(state);
      progress(
        `soak: window ${w + 1}/${windowCount} done, rss ${(state.rss / 2 ** 20).toFixed(1)} MiB, ` +
          `${handle.stream.clientCount} clients`,
      );
    }
    memory.sample();
    memory.gcSample();
    for (const timer of timers.splice(0)) clearInterval(timer);
    loopDelay.disable();
    const conflated = (await counterValue(handle, 'wsConflated')) - conflatedBefore;
    const messagesSent = (await counterValue(handle, 'wsMessages')) - sentBefore;

    const finalReply = channel.next('final', 20_000);
    channel.send({ type: 'stop' });
    const { final } = await finalReply;

    return assembleReport({
      options,
      counts,
      startedAt,
      loadAverageStart,
      heapMeasure,
      clientsPid: child.pid ?? null,
      clock,
      readyAfterMs: readyMessage.elapsedMs,
      windowTicks: ticks.windowTicks,
      tickHistograms: ticks.histograms,
      totalTicks: ticks.total,
      windowEnds,
      clientWindows: channel.windows,
      final,
      samples: memory.samples,
      gcSamples: memory.gcSamples,
      conflated,
      messagesSent,
    });
  } finally {
    for (const timer of timers) clearInterval(timer);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(2_000)]);
    }
    await handle.close();
    script.cleanup();
  }
}
