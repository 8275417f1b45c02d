/**
 * Which instance does the work that must run once per desk, not once per instance: sweeping proposed tickets past
 * their TTL, reconciling orders with the venues after a start or a takeover, and the recorder. With SQLite there is
 * one instance (it alone writes the file), so it always leads. With PostgreSQL the instances elect one by an
 * advisory lock (store/pg/leader.ts); when the leader dies its session ends, the lock is freed and another instance
 * takes over within the retry period, and runs the duties from there.
 */
import { isPostgresUrl } from './store/index.js';

export interface Leadership {
  /** 'sole': the embedded store's single instance; 'elected': one of several on PostgreSQL. */
  readonly kind: 'sole' | 'elected';
  isLeader(): boolean;
  /** Hears every change of leadership. Returns the unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void;
  close(): Promise<void>;
}

const SOLE: Leadership = {
  kind: 'sole',
  isLeader: () => true,
  onChange: () => () => undefined,
  close: () => Promise.resolve(),
};

/** The leadership of an instance on the store at `location` (resolved once the first election try is done). */
export async function leadershipFor(
  location: string,
  options: { retryMs?: number; log?: (message: string) => void } = {},
): Promise<Leadership> {
  if (!isPostgresUrl(location)) return SOLE;
  const { LeaderElector } = await import('./store/pg/leader.js');
  const elector = new LeaderElector(location, {
    ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await elector.start();
  return {
    kind: 'elected',
    isLeader: () => elector.isLeader(),
    onChange: (listener) => elector.onChange(listener),
    close: () => elector.close(),
  };
}

/**
 * Runs `duty` now if this instance leads, and again each time it becomes leader; while it leads, also every
 * `everyMs` (when given). Returns the stop. A duty's failure is reported, never thrown: the next run tries again.
 */
export function onLeader(
  leadership: Leadership,
  duty: () => Promise<unknown>,
  options: { everyMs?: number; onError: (error: unknown) => void },
): () => void {
  let running: Promise<unknown> | null = null;
  const run = () => {
    if (!leadership.isLeader() || running) return;
    running = duty()
      .catch(options.onError)
      .finally(() => (running = null));
  };
  const unsubscribe = leadership.onChange((leader) => leader && run());
  const timer = options.everyMs ? setInterval(run, options.everyMs) : null;
  timer?.unref();
  run();
  return () => {
    unsubscribe();
    if (timer) clearInterval(timer);
  };
}
