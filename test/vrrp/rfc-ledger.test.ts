import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEDGER, type LedgerRow } from './rfc-ledger.js';
import { collectTestNames, testNamesInSource } from './test-names.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tests = collectTestNames(`${repo}test`, repo);
const known = new Set(tests.flatMap((t) => [t.title, t.fullName]));

const isMust = (row: LedgerRow) => row.level === 'MUST' || row.level === 'MUST NOT';
/** An RFC 3768 / 9568 requirement id of §6–§8 inside a test name. */
const CITED_ID = /\bRFC(?:3768|9568)-[678](?:\.\d+)*-R?\d+\b/g;

describe('RFC ledger', () => {
  it('every test a ledger row names exists', () => {
    const missing = LEDGER.flatMap((row) =>
      [...row.positive, ...row.negative].filter((name) => !known.has(name)).map((name) => `${row.id}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('every in-scope MUST / MUST NOT row has a positive and a negative test (or says why it cannot)', () => {
    const unproven = LEDGER.filter(isMust)
      .filter((row) => row.scope === 'in')
      .filter((row) => row.positive.length === 0 || (row.negative.length === 0 && !row.singlePolarity))
      .map((row) => row.id);
    expect(unproven).toEqual([]);
  });

  it('rows outside scope, or deviating from the RFC, say why', () => {
    expect(LEDGER.filter((row) => row.scope !== 'in' && !row.note?.trim()).map((row) => row.id)).toEqual([]);
  });

  it('ids are unique and name their RFC and section', () => {
    const ids = LEDGER.map((row) => row.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(LEDGER.filter((row) => !row.id.startsWith(`RFC${row.rfc}-${row.section}-`)).map((row) => row.id)).toEqual(
      [],
    );
  });

  it('every §6–§8 requirement id a test name cites has a ledger row', () => {
    const ids = new Set(LEDGER.map((row) => row.id));
    const cited = new Set(tests.flatMap((t) => t.title.match(CITED_ID) ?? []));
    expect([...cited].filter((id) => !ids.has(id)).sort()).toEqual([]);
  });

  it('the scanner finds titles through describe nesting, modifiers and .each templates, and skips .todo', () => {
    const source = `
      describe('outer', () => {
        describe.each([1, 2])('inner %i', () => {
          it('plain', () => {});
          it.each([[1]])('row %s', () => {});
          test.skipIf(true)('skipped if', () => {});
          it.todo('not yet');
        });
        const helper = (name: string) => it(name, () => {});
        expect('x').toBe('x');
      });
      test(\`template title\`, () => {});`;
    expect(testNamesInSource('x.test.ts', source).map((t) => t.fullName)).toEqual([
      'outer > inner %i > plain',
      'outer > inner %i > row %s',
      'outer > inner %i > skipped if',
      'template title',
    ]);
  });

  it('the scanner sees the whole repository, not just this folder', () => {
    const folders = new Set(tests.map((t) => t.file.split('/')[1]));
    expect(folders.has('vrrp')).toBe(true);
    expect(folders.has('codec')).toBe(true);
    expect(tests.length).toBeGreaterThan(100);
  });
});
