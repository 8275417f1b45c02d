// Preloaded (NODE_OPTIONS=--import) into every node process the README test starts, so the ilhedge process it
// runs cannot reach the network: a connection to anything but loopback or a unix socket throws, naming the
// host. Only the ilhedge process is guarded (npx and npm, which also get NODE_OPTIONS, are left alone: what npm
// does on its own is not the example's business).
import net from 'node:net';
import process from 'node:process';

const script = process.argv[1] ?? '';
if (/(^|[/\\])(bin[/\\]ilhedge\.js|ilhedge|dist[/\\]src[/\\]cli[/\\]main\.js)$/.test(script)) {
  const loopback = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
    if (options.path === undefined && !loopback.has(options.host ?? 'localhost')) {
      throw new Error(
        `readme test: the README example tried to reach ${options.host}:${options.port}; examples run without network`,
      );
    }
    return connect.apply(this, args);
  };
}
