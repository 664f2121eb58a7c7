/** `vipd convert`: a keepalived.conf printed as vipd YAML. */
import { formatIssue } from '../core/config/result.js';
import { type ConfigFormat, convertConfigFile } from '../edges/config-files.js';

export /** Prints the YAML; what check-config would refuse in it goes to stderr. Exit 2 only when nothing could be read. */
async function convert(file: string, opts: { format?: ConfigFormat | undefined; configId?: string | undefined }) {
  const r = await convertConfigFile(file, opts);
  for (const w of r.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  for (const e of r.errors) process.stderr.write(`error: ${formatIssue(e)}\n`);
  if (r.yaml === undefined) return 2;
  for (const i of r.issues) process.stderr.write(`check-config will say: ${formatIssue(i)}\n`);
  process.stdout.write(r.yaml);
  return 0;
}
