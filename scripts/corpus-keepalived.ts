/**
 * Records keepalived 2.2.7's verdict on every file of the keepalived.conf corpus (test/corpus/keepalived/):
 * `keepalived -t` in a namespace holding the file's interfaces, its exit code and messages, into
 * test/corpus/keepalived/keepalived-2.2.7.json. The corpus test holds vipd to these verdicts; its lab half checks
 * they are still what keepalived says. Root: `sudo npx tsx scripts/corpus-keepalived.ts`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keepalivedAccepts, keepalivedConfigTest } from '../test/helpers/keepalived-oracle.js';

const DIR = path.resolve(import.meta.dirname, '../test/corpus/keepalived');
const verdicts: Record<string, unknown> = {};
let accepted = 0;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.conf'))
  .sort();
for (const f of files) {
  const t = keepalivedConfigTest(path.join(DIR, f));
  const accepts = keepalivedAccepts(t);
  if (accepts) accepted += 1;
  verdicts[f] = { accepts, ...t };
  console.log(`${accepts ? 'accepts' : 'rejects'} ${f} (exit ${t.exit})`);
}
writeFileSync(path.join(DIR, 'keepalived-2.2.7.json'), `${JSON.stringify(verdicts, null, 1)}\n`);
console.log(`keepalived 2.2.7 accepts ${accepted} of ${files.length}`);
