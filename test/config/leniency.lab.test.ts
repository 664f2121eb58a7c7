/**
 * The keepalived side of leniency-cases.ts: keepalived 2.2.7 itself accepts each case (no exit 2, no error
 * message) and prints the message that shows its interpretation, which leniency.test.ts holds vipd to.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepalivedAccepts, keepalivedConfigTest } from '../helpers/keepalived-oracle.js';
import { canRunNetns } from '../helpers/netns.js';
import { LENIENT_CASES } from './leniency-cases.js';

describe.skipIf(!canRunNetns())('keepalived 2.2.7 on the leniency cases', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-lenient-'));
  it.each(LENIENT_CASES)('$name', (c) => {
    const file = path.join(dir, `${c.name.replace(/\W+/g, '_')}.conf`);
    writeFileSync(file, c.text);
    const t = keepalivedConfigTest(file);
    expect(keepalivedAccepts(t), JSON.stringify(t)).toBe(true);
    if (c.keepalived) expect(t.messages.map((m) => m.text).join('\n')).toMatch(c.keepalived);
  });
});
