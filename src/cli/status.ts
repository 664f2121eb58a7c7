/** `vipd status [--json]`: the running daemon's state over its control socket (exit 1 when none answers). */
import type { StatusReport } from '../daemon/observe/status.js';
import { formatStatusTable } from '../daemon/observe/status.js';
import { askDaemon } from './ask.js';

export async function status(socketPath: string, json: boolean): Promise<number> {
  const answer = await askDaemon('status', socketPath);
  if (!answer) return 1;
  process.stdout.write(
    json ? `${JSON.stringify(answer, null, 2)}\n` : formatStatusTable(answer as unknown as StatusReport),
  );
  return 0;
}
