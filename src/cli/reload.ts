/**
 * `vipd reload`: asks the running daemon to re-read its configuration, as SIGHUP does, and says what came of it:
 * the counts of instances, then one line per thing the reload touched.
 */
import { askDaemon } from './ask.js';

export async function reload(socketPath: string): Promise<number> {
  const answer = await askDaemon('reload', socketPath, 60_000);
  if (!answer) return 1;
  if (answer.applied !== true) {
    const errors = Array.isArray(answer.errors) ? (answer.errors as string[]) : [];
    for (const e of errors) process.stderr.write(`error: ${e}\n`);
    process.stderr.write('vipd reload: refused; the running configuration stays\n');
    return 2;
  }
  const plan = answer.plan as Record<string, unknown[]>;
  const count = (k: string) => plan?.[k]?.length ?? 0;
  process.stdout.write(
    `reloaded: ${count('unchanged')} unchanged, ${count('updated')} updated, ${count('restarted')} restarted, ${count('added')} added, ${count('removed')} removed\n`,
  );
  const changes = Array.isArray(answer.changes) ? (answer.changes as string[]) : [];
  for (const line of changes) process.stdout.write(`  ${line}\n`);
  return 0;
}
