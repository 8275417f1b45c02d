#!/usr/bin/env node
/**
 * The service without the rest of the CLI: `node dist/src/service/main.js [--port n] [--db path] [--config file]`.
 * Same as `ilhedge serve`; used by the crash test to run the real server process.
 */
import { parseArgs } from 'node:util';
import { runService } from './run.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    config: { type: 'string' },
  },
  strict: true,
});

try {
  await runService(values);
} catch (error) {
  const isConfig = error instanceof Error && error.name === 'ConfigError';
  process.stderr.write(
    `ilhedge serve: ${isConfig ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(isConfig ? 2 : 3);
}
