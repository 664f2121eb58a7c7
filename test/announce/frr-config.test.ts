/**
 * The README's FRR configuration for `announce` is one FRR accepts (`vtysh -C`: a dry run of its parser) and
 * matches what vipd writes: the route-maps match vipd's default metric, for IPv4 and IPv6.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANNOUNCE_METRIC } from '../../src/core/config/schema/announce.js';
import { inCI } from '../helpers/netns.js';
import { repoRoot } from '../helpers/routers.js';

const vtysh = spawnSync('vtysh', ['--help']).status === 0;

describe.skipIf(!vtysh && !inCI)("the README's FRR configuration", () => {
  const blocks = [...readFileSync(path.join(repoRoot, 'README.md'), 'utf8').matchAll(/```frr\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );

  it('is accepted by vtysh -C, and a broken line in it is not (the check can fail)', () => {
    expect(blocks).toHaveLength(1);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-frr-conf-'));
    const check = (text: string) => {
      const file = path.join(dir, 'frr.conf');
      writeFileSync(file, text);
      return spawnSync('vtysh', ['-C', '-f', file], { encoding: 'utf8' });
    };
    const ok = check(blocks[0] as string);
    expect(ok.status, `${ok.stdout}${ok.stderr}`).toBe(0);
    expect(check(`${blocks[0]}router bgp 65001\n redistribute kernal\n`).status).not.toBe(0);
  });

  it("redistributes vipd's marker for both families", () => {
    const text = blocks[0] as string;
    expect(text.match(new RegExp(`match metric ${DEFAULT_ANNOUNCE_METRIC}`, 'g'))).toHaveLength(2);
    expect(text).toContain('redistribute kernel route-map VIPD-ANNOUNCE\n');
    expect(text).toContain('redistribute kernel route-map VIPD-ANNOUNCE-V6\n');
  });
});
