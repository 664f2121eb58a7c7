/**
 * The Prometheus endpoint: `GET /metrics` on exactly the address it is given (127.0.0.1:9650 answers on loopback
 * only), anything else 404. Off unless `--metrics ADDR:PORT` asks for it.
 */
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/log.js';

export interface MetricsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `ADDR:PORT`, `[IPv6]:PORT`; undefined when it is neither. */
export function parseListenAddress(text: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: m[1], port };
}

export async function listenMetrics(
  host: string,
  port: number,
  registry: Registry,
  log: Logger,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'metrics server error'));
  server.unref();
  const bound = server.address();
  return {
    address: typeof bound === 'object' && bound ? bound.address : host,
    port: typeof bound === 'object' && bound ? bound.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
