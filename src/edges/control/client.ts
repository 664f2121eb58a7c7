/** The client side of the control socket: one request, one JSON answer, bounded in time. */
import net from 'node:net';

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function controlRequest(
  socketPath: string,
  request: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let buffer = '';
    const fail = (err: ControlError) => {
      conn.destroy();
      reject(err);
    };
    conn.setEncoding('utf8');
    conn.setTimeout(timeoutMs, () => fail(new ControlError('ETIMEDOUT', `no answer on ${socketPath}`)));
    conn.on('connect', () => conn.write(`${JSON.stringify(request)}\n`));
    conn.on('data', (chunk: string) => {
      buffer += chunk;
    });
    conn.on('end', () => {
      try {
        resolve(JSON.parse(buffer) as Record<string, unknown>);
      } catch {
        reject(new ControlError('EPROTO', `not a JSON answer on ${socketPath}`));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'EIO';
      const why =
        code === 'ENOENT' || code === 'ECONNREFUSED'
          ? `no vipd is running (no control socket at ${socketPath})`
          : code === 'EACCES' || code === 'EPERM'
            ? `permission denied on ${socketPath}: the control socket is root's`
            : `${socketPath}: ${err.message}`;
      fail(new ControlError(code, why));
    });
  });
}
