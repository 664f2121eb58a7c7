/** One request to the running daemon over its control socket; what went wrong is one line on stderr. */
import { ControlError, controlRequest } from '../edges/control/client.js';

/** The daemon's answer, or undefined (exit 1) when none came or it answered with an error. */
export async function askDaemon(
  command: string,
  socketPath: string,
  timeoutMs?: number,
): Promise<Record<string, unknown> | undefined> {
  let answer: Record<string, unknown>;
  try {
    answer = await controlRequest(socketPath, { command }, timeoutMs);
  } catch (err) {
    process.stderr.write(`vipd ${command}: ${err instanceof ControlError ? err.message : String(err)}\n`);
    return undefined;
  }
  if (typeof answer.error === 'string') {
    process.stderr.write(`vipd ${command}: ${answer.error}\n`);
    return undefined;
  }
  return answer;
}
