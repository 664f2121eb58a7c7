/** `vipd status [--json]`: the running daemon's state over its control socket (exit 1 when none answers). */
import type { StatusReport } from '../daemon/status.js';
import { formatStatusTable } from '../daemon/status.js';
import { ControlError, controlRequest } from '../edges/control/client.js';

export async function status(socketPath: string, json: boolean): Promise<number> {
  let answer: Record<string, unknown>;
  try {
    answer = await controlRequest(socketPath, { command: 'status' });
  } catch (err) {
    process.stderr.write(`vipd status: ${err instanceof ControlError ? err.message : String(err)}\n`);
    return 1;
  }
  if (typeof answer.error === 'string') {
    process.stderr.write(`vipd status: ${answer.error}\n`);
    return 1;
  }
  process.stdout.write(
    json ? `${JSON.stringify(answer, null, 2)}\n` : formatStatusTable(answer as unknown as StatusReport),
  );
  return 0;
}
