#!/usr/bin/env node
/**
 * The service without the rest of the CLI: `node dist/src/service/main.js [--port n] [--db path] [--config file]`.
 * Same as `ilhedge serve`; used by the crash test to run the real server process.
 */
import { parseArgs } from 'node:util';
import { runService } from './run.js';
import { ConfigError } from './config.js';

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
  process.stderr.write(`ilhedge serve: ${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 3);
}
