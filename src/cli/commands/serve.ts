/** `ilhedge serve`: the desk service (REST, websocket hedge stream, dashboard) on the built-in replayed data. */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../output.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the desk service: REST API (/openapi.json), websocket hedge stream (/ws), dashboard (/dashboard/).\n' +
        'Market data: the built-in Deribit BTC chain replayed as a live feed on the replay clock (labelled replay).\n' +
        'Env: ILHEDGE_PORT, ILHEDGE_HOST, ILHEDGE_DB, ILHEDGE_CONFIG, ILHEDGE_LOG_LEVEL, ILHEDGE_MAX_FEED_AGE_MS, ILHEDGE_REPLAY_INTERVAL_MS.',
    )
    .option('--port <n>', 'port to listen on (env ILHEDGE_PORT; default 8080; 0 picks a free one)')
    .option('--host <addr>', 'address to bind (env ILHEDGE_HOST; default 127.0.0.1)')
    .option('--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)')
    .option('--config <file>', 'desk config (JSON; env ILHEDGE_CONFIG): positions, policy, service settings')
    .action(async (opts: { port?: string; host?: string; db?: string; config?: string }) => {
      const { runService } = await import('../../service/run.js');
      try {
        await runService(opts);
      } catch (error) {
        // Both the service's settings and the desk config (src/config) raise a ConfigError naming the field.
        if (error instanceof Error && error.name === 'ConfigError') {
          throw new CliError(`bad config: ${error.message}`, EXIT_USAGE);
        }
        throw error;
      }
    });
}
