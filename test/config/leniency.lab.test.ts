/**
 * The keepalived side of leniency-cases.ts: keepalived 2.2.7 itself accepts each case (no exit 2, no error
 * message) and prints the message that shows its interpretation, which leniency.test.ts holds vipd to.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeepalivedToConfig } from '../../src/core/config/keepalived/index.js';
import { keepalivedAccepts, keepalivedConfigTest } from '../helpers/keepalived-oracle.js';
import { canRunNetns } from '../helpers/netns.js';
import { memHost } from './keepalived/helpers.js';
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

/** What keepalived 2.2.7 refuses although its manual suggests otherwise: vipd refuses it too, at the same place. */
describe.skipIf(!canRunNetns())('keepalived 2.2.7 and vipd refuse an instance without interface', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-refused-'));
  const body = `  virtual_router_id 51
  unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2
  }
  virtual_ipaddress {
    192.0.2.10/24 dev eth0
  }
}
`;
  // (With a vrf too, the same check refuses it; this kernel has no VRF to name, and keepalived stops first for that.)
  it.each([['with unicast peers and a source', `vrrp_instance VI_1 {\n${body}`]])('%s', (name, text) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '_')}.conf`);
    writeFileSync(file, text);
    const t = keepalivedConfigTest(file);
    expect(keepalivedAccepts(t), JSON.stringify(t)).toBe(false);
    expect(t.messages.map((m) => m.text).join('\n')).toMatch(/Unknown interface!/);
    const ours = parseKeepalivedToConfig(text, file, { host: memHost({ [file]: text }) });
    expect(ours.errors.map((e) => `${e.line}: ${e.message}`)).toEqual(['1: vrrp_instance VI_1 has no interface']);
  });
});
