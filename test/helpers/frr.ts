/**
 * FRR inside a lab host, for interop tests: vrrpd (the VRRP peer; FRR does not make the VMAC interface itself, the
 * caller sets it up as FRR's documentation says: a macvlan with the virtual MAC and the VIP), and bgpd / bfdd (the
 * routers an announce reaches).
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

/** FRR's daemons a test starts; zebra always runs first (the others talk to the kernel through it). */
export type FrrDaemon = 'zebra' | 'bgpd' | 'bfdd' | 'vrrpd';

/**
 * FRR's daemons in one lab host: their own run directory (configs, pid files, logs, zebra's socket, the vty sockets
 * vtysh talks to), started as the frr user the Debian package makes, killed by the Lab with everything it spawned.
 */
export class Frr {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-frr-'));

  constructor(
    readonly lab: Lab,
    readonly host: string,
  ) {
    const uid = Number(execFileSync('id', ['-u', 'frr']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'frr']).toString().trim());
    chownSync(this.dir, uid, gid);
  }

  /** Writes each daemon's configuration and starts zebra, then, once it listens, the others. */
  async start(configs: Partial<Record<FrrDaemon, string>>): Promise<this> {
    for (const daemon of ['zebra', ...Object.keys(configs)] as FrrDaemon[]) {
      writeFileSync(path.join(this.dir, `${daemon}.conf`), configs[daemon] ?? '', { mode: 0o644 });
    }
    this.spawn('zebra');
    for (let i = 0; i < 100 && !existsSync(path.join(this.dir, 'zserv.api')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const daemon of Object.keys(configs) as FrrDaemon[]) if (daemon !== 'zebra') this.spawn(daemon);
    return this;
  }

  spawn(daemon: FrrDaemon): void {
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
      // bfdd's control socket in this host's directory: the default path is shared by every namespace.
      ...(daemon === 'bfdd' ? ['--bfdctl', this.bfddSocket] : []),
    ]);
  }

  get bfddSocket(): string {
    return path.join(this.dir, 'bfdd.sock');
  }

  /** Sends `signal` to one daemon (SIGKILL: gone without a word to its peers). */
  kill(daemon: FrrDaemon, signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      process.kill(Number(readFileSync(path.join(this.dir, `${daemon}.pid`), 'utf8').trim()), signal);
    } catch {
      // already gone
    }
  }

  /** vtysh's answer to `commands` (each a -c), through this host's vty sockets. */
  vtysh(...commands: string[]): string {
    return this.lab.exec(this.host, 'vtysh', '--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c]));
  }

  log(daemon: FrrDaemon): string {
    try {
      return readFileSync(path.join(this.dir, `${daemon}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

/** FRR's vrrpd (with the zebra it needs), for the VRRP interop tests. */
export class FrrVrrp extends Frr {
  /** `vrrpd.conf`: the interface stanza with the `vrrp` lines. vrrpd starts once zebra listens (else it waits 10 s). */
  async startVrrp(config: string): Promise<this> {
    return this.start({ vrrpd: config });
  }

  /** FRR's own word on the router's state, from its log ("Backup -> Master"). */
  state(): string {
    const m = [...this.log('vrrpd').matchAll(/\[IPv4\] \w+ -> (\w+)/g)];
    return m.at(-1)?.[1] ?? 'Initialize';
  }

  stopVrrpd(): void {
    this.kill('vrrpd');
  }

  restartVrrpd(): void {
    this.spawn('vrrpd');
  }
}
