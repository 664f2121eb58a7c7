/**
 * The recorded keepalived 2.2.7 verdicts of the corpus (keepalived-2.2.7.json, which corpus.test.ts holds vipd
 * to) are still what keepalived says: each file run through `keepalived -t` again, in a namespace with its
 * interfaces. Re-record with `sudo npx tsx scripts/corpus-keepalived.ts`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepalivedAccepts, keepalivedConfigTest } from '../helpers/keepalived-oracle.js';
import { canRunNetns } from '../helpers/netns.js';
import { CORPUS, VERDICTS } from './corpus.js';

const files = readdirSync(CORPUS).filter((f) => f.endsWith('.conf'));

describe.skipIf(!canRunNetns())('keepalived 2.2.7 on the corpus, as recorded', () => {
  it.each(files)('%s', (file) => {
    const t = keepalivedConfigTest(path.join(CORPUS, file));
    const recorded = VERDICTS[file];
    expect({ accepts: keepalivedAccepts(t), exit: t.exit }).toEqual({
      accepts: recorded?.accepts,
      exit: recorded?.exit,
    });
  });
});
