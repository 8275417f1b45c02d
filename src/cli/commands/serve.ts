/**
 * `ilhedge serve`: the desk service (REST, websocket hedge stream, dashboard) on live venue data (`--source live`),
 * a recording (`replay:<file>`) or the built-in demo data (the default).
 */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from '../output.js';
import { IlhedgeError } from '../../../pricing/errors.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the desk service: REST API (/openapi.json), websocket hedge stream (/ws), dashboard (/dashboard/).\n' +
        "Market data (--source, else the desk config's market.source): live = the venue through ccxt pro websockets;\n" +
        'replay:<file> = a recording on its own clock; builtin (default) = the packaged Deribit BTC chain moved along a\n' +
        'synthetic path (labelled demo). /ready is 503 on replay or demo data unless --demo is given.\n' +
        'Env: ILHEDGE_PORT, ILHEDGE_HOST, ILHEDGE_DB, ILHEDGE_CONFIG, ILHEDGE_LOG_LEVEL, ILHEDGE_MAX_FEED_AGE_MS, ILHEDGE_REPLAY_INTERVAL_MS,\n' +
        'ILHEDGE_<VENUE>_REST_URL and ILHEDGE_<VENUE>_WS_URL (live endpoints, e.g. a testnet).',
    )
    .option('--port <n>', 'port to listen on (env ILHEDGE_PORT; default 8080; 0 picks a free one)')
    .option('--host <addr>', 'address to bind (env ILHEDGE_HOST; default 127.0.0.1)')
    .option('--db <path>', 'SQLite database (env ILHEDGE_DB; default ./data/ilhedge.sqlite)')
    .option('--config <file>', 'desk config (JSON; env ILHEDGE_CONFIG): positions, policy, service settings')
    .option('--source <spec>', 'market data: live, builtin or replay:<file> (default: the config, else builtin)')
    .option('--demo', 'accept replayed or demo data as ready (/ready 200); npm start passes it')
    .option('--live', "allow execution in live mode (real orders) for the venues the desk config's execution sets live")
    .option('--record <file>', 'with --source live: write what the feed received to <file> (replays via replay:<file>)')
    .action(
      async (opts: {
        port?: string;
        host?: string;
        db?: string;
        config?: string;
        source?: string;
        demo?: boolean;
        record?: string;
        live?: boolean;
      }) => {
        const { runService } = await import('../../service/run.js');
        try {
          await runService(opts);
        } catch (error) {
          // Both the service's settings and the desk config (src/config) raise `invalid-config` naming the field.
          if (error instanceof IlhedgeError && error.code === 'invalid-config') {
            throw new CliError(`bad config: ${error.message}`, EXIT_USAGE);
          }
          throw error;
        }
      },
    );
}
