/**
 * The keepalived.conf corpus (test/corpus/keepalived/, provenance in SOURCES.tsv): configurations as users write
 * them, from public repositories. keepalived 2.2.7's verdict on each (recorded by scripts/corpus-keepalived.ts,
 * re-checked against keepalived itself by corpus.lab.test.ts) is the oracle: what keepalived accepts, vipd
 * accepts; what it rejects, vipd rejects; and every line keepalived reports an error at, vipd reports too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { createFsHost } from '../../src/edges/config-host.js';
import { isKeepalivedError, type KeepalivedConfigTest } from '../helpers/keepalived-oracle.js';
import { CORPUS, VERDICTS } from './corpus.js';

const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.conf'))
  .sort();

/**
 * Where vipd deliberately reads a file keepalived rejects: why. Each is a lenient warning at the line, which
 * `check-config --strict` makes an error.
 */
const DELIBERATE: Record<string, string> = {
  // A bare instance name in vrrp_sync_group: vipd takes it as a member; keepalived ignores the line and drops
  // the group left empty (keepalived's own sample keepalived.conf.vrrp.lvs_syncd is written so).
  'proitlab_procluster.conf': 'bare sync group member',
};

/** Files keepalived accepts that vipd does not load yet: the keyword still missing. Empty when issue 20 is done. */
const NOT_YET: Record<string, string> = {};

const check = (file: string) =>
  parseKeepalivedToConfig(readFileSync(path.join(CORPUS, file), 'utf8'), path.join(CORPUS, file), {
    host: createFsHost(),
    configId: 'corpus',
  });

describe('keepalived.conf corpus: vipd against keepalived 2.2.7', () => {
  it('has provenance and a keepalived verdict for every file', () => {
    const sources = readFileSync(path.join(CORPUS, 'SOURCES.tsv'), 'utf8').trim().split('\n').slice(1);
    expect(sources.map((l) => l.split('\t')[0]).sort()).toEqual(files);
    for (const line of sources) expect(line.split('\t')[2]).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(VERDICTS).sort()).toEqual(files);
  });

  it.each(files)('%s', (file) => {
    const verdict = VERDICTS[file] as KeepalivedConfigTest & { accepts: boolean };
    const r = check(file);
    const errors = r.errors.map((e) => `${e.line}: ${e.message}`);
    if (verdict.accepts) {
      if (NOT_YET[file]) {
        expect(errors.join('\n')).toContain(`${NOT_YET[file]} is not supported yet`);
        return;
      }
      expect(errors).toEqual([]);
      return;
    }
    if (DELIBERATE[file]) {
      expect(errors).toEqual([]);
      expect(r.warnings.some((w) => w.lenient)).toBe(true);
      return;
    }
    expect(errors).not.toEqual([]);
    // vipd finds the first error keepalived finds, or one before it (keepalived's later messages are often
    // consequences of its first: a brace it skipped, a block it left).
    if (verdict.exit === 2) return;
    const first = Math.min(...verdict.messages.filter(isKeepalivedError).flatMap((m) => m.line ?? []));
    if (Number.isFinite(first)) expect(Math.min(...r.errors.map((e) => e.line))).toBeLessThanOrEqual(first);
  });

  it('vipd accepts every file keepalived accepts, but for the keywords still missing', () => {
    const accepted = files.filter((f) => VERDICTS[f]?.accepts);
    const loaded = accepted.filter((f) => check(f).errors.length === 0);
    expect(accepted.length).toBeGreaterThanOrEqual(30);
    expect(loaded.sort()).toEqual(accepted.filter((f) => !NOT_YET[f]).sort());
  });
});
