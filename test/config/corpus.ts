/** The keepalived.conf corpus (test/corpus/keepalived/) and keepalived 2.2.7's recorded verdict on each file. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeepalivedConfigTest } from '../helpers/keepalived-oracle.js';

export const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../corpus/keepalived');

export const VERDICTS: Record<string, KeepalivedConfigTest & { accepts: boolean }> = JSON.parse(
  readFileSync(path.join(CORPUS, 'keepalived-2.2.7.json'), 'utf8'),
);
