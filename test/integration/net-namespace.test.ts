/**
 * keepalived's net_namespace: vipd started in the host's namespace with `net_namespace NAME` runs in /run/netns/NAME
 * (its interfaces, its VIP, its adverts) and touches nothing of the host's; a missing namespace stops it with the
 * reason.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { repoRoot } from '../helpers/routers.js';

describe.skipIf(!canRunNetns())('net_namespace', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('runs in the named namespace from the host; a missing one is refused', async () => {
    lab = Lab.create('netns', ['r1']);
    const ns = lab.host('r1').ns;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-netns-'));
    const config = (name: string) =>
      `global_defs:\n  net_namespace: ${name}\nvrrp_instance:\n  VI_1:\n    interface: eth0\n    virtual_router_id: 54\n    priority: 150\n    version: 3\n    advert_int: 0.1\n    virtual_ipaddress: ["192.0.2.54/24"]\n`;
    writeFileSync(path.join(dir, 'ok.yaml'), config(ns));
    writeFileSync(path.join(dir, 'missing.yaml'), config(`${ns}-missing`));
    const args = (f: string) => [
      path.join(repoRoot, 'dist/vipd.js'),
      'run',
      '-f',
      path.join(dir, f),
      '--pid-file',
      path.join(dir, `${f}.pid`),
      '--control-socket',
      path.join(dir, `${f}.sock`),
    ];
    const child = spawn(process.execPath, args('ok.yaml'), { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitFor(() => (lab.addresses('r1').includes('192.0.2.54') ? true : undefined), 8000, 20, 'the VIP in r1');
    } finally {
      child.kill('SIGTERM');
    }
    await new Promise((r) => child.once('exit', r));
    expect(lab.addresses('r1')).not.toContain('192.0.2.54');
    const missing = spawn(process.execPath, args('missing.yaml'), { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    missing.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise((r) => missing.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/net_namespace .*-missing: open ENOENT/);
  });
});
