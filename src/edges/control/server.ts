/**
 * The control socket: a Unix stream socket, mode 0600 in a 0700 directory, so only root reaches it. One request
 * per connection: a JSON line `{"command":"status"}` in, one JSON line out, then the connection closes. Bounded:
 * a request over 64 KiB or slower than 5 s is cut off; a handler that throws answers `{"error": ...}`.
 */
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../core/log.js';

const MAX_REQUEST_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 5000;

export type ControlHandler = (request: Record<string, unknown>) => unknown | Promise<unknown>;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export async function listenControl(
  socketPath: string,
  handlers: Record<string, ControlHandler>,
  log: Logger,
): Promise<ControlServer> {
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  // The pid file already proved no other vipd runs: a socket file left here is a dead daemon's.
  try {
    unlinkSync(socketPath);
  } catch {
    // none
  }
  const server = net.createServer((conn) => serve(conn, handlers, log));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  server.on('error', (err) => log.error({ err }, 'control socket error'));
  server.unref(); // the daemon's own sockets keep it alive; this one must not hold a stop
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(socketPath);
        } catch {
          // already gone
        }
      }),
  };
}

function serve(conn: net.Socket, handlers: Record<string, ControlHandler>, log: Logger): void {
  let buffer = '';
  let answered = false;
  conn.setEncoding('utf8');
  conn.setTimeout(REQUEST_TIMEOUT_MS, () => conn.destroy());
  conn.on('error', () => undefined); // a client that leaves early is its own business
  const answer = (body: unknown) => {
    if (answered) return;
    answered = true;
    conn.end(`${JSON.stringify(body)}\n`);
  };
  conn.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_REQUEST_BYTES) {
      answer({ error: 'request too large' });
      return;
    }
    const newline = buffer.indexOf('\n');
    if (newline < 0 || answered) return;
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
    } catch {
      answer({ error: 'not a JSON request' });
      return;
    }
    const handler = typeof request.command === 'string' ? handlers[request.command] : undefined;
    if (!handler) {
      answer({ error: `unknown command ${JSON.stringify(request.command)}`, commands: Object.keys(handlers) });
      return;
    }
    Promise.resolve()
      .then(() => handler(request))
      .then(answer, (err: unknown) => {
        log.error({ err, command: request.command }, 'control command failed');
        answer({ error: err instanceof Error ? err.message : String(err) });
      });
  });
}
