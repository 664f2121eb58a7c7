/**
 * FRR's vrrpd (with the zebra it needs) inside a lab host, for interop tests: its own run directory, started as
 * the frr user the Debian package makes, stopped by the Lab with everything else it spawned. FRR does not make
 * the VMAC interface itself: the caller sets it up as FRR's documentation says (a macvlan with the virtual MAC
 * and the VIP).
 */

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from './netns.js';

export const FRR_DIR = '/usr/lib/frr';

export function frrAvailable(): boolean {
  try {
    execFileSync(`${FRR_DIR}/vrrpd`, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class FrrVrrp {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-frr-'));

  constructor(
    readonly lab: Lab,
    readonly host: string,
  ) {
    const uid = Number(execFileSync('id', ['-u', 'frr']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'frr']).toString().trim());
    chownSync(this.dir, uid, gid);
  }

  /** `vrrpd.conf`: the interface stanza with the `vrrp` lines. vrrpd starts once zebra listens (else it waits 10 s). */
  async start(config: string): Promise<this> {
    writeFileSync(path.join(this.dir, 'zebra.conf'), '', { mode: 0o644 });
    writeFileSync(path.join(this.dir, 'vrrpd.conf'), config, { mode: 0o644 });
    this.spawn('zebra');
    for (let i = 0; i < 100 && !existsSync(path.join(this.dir, 'zserv.api')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.spawn('vrrpd');
    return this;
  }

  private spawn(daemon: string): void {
    const d = this.dir;
    this.lab.spawn(this.host, `${FRR_DIR}/${daemon}`, [
      '-u',
      'frr',
      '-g',
      'frr',
      '-z',
      path.join(d, 'zserv.api'),
      '-i',
      path.join(d, `${daemon}.pid`),
      '--vty_socket',
      d,
      '-f',
      path.join(d, `${daemon}.conf`),
      '--log',
      `file:${path.join(d, `${daemon}.log`)}`,
      '--log-level',
      'debug',
    ]);
  }

  /** FRR's own word on the router's state, from its log ("Backup -> Master"). */
  state(): string {
    const m = [...this.log().matchAll(/\[IPv4\] \w+ -> (\w+)/g)];
    return m.at(-1)?.[1] ?? 'Initialize';
  }

  log(): string {
    try {
      return readFileSync(path.join(this.dir, 'vrrpd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  stopVrrpd(): void {
    try {
      process.kill(Number(readFileSync(path.join(this.dir, 'vrrpd.pid'), 'utf8').trim()), 'SIGKILL');
    } catch {
      // already gone
    }
  }

  restartVrrpd(): void {
    this.spawn('vrrpd');
  }
}
