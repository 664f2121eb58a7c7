/**
 * Runs VRRP routers inside lab hosts for integration tests, the demo and the benchmark:
 * vipd (the build in dist/, made by the test global setup or `npm run build`) and a real keepalived, each with its own temp directory
 * for config, pid files and notify output. Every process is owned by the Lab and dies with it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './netns.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** node and its arguments for running the built vipd as its executable would: with the flags of its #! line. */
export function vipdCommand(): [string, ...string[]] {
  const cli = path.join(repoRoot, 'dist/vipd.js');
  const shebang = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const flags = shebang.split(/\s+/).filter((w) => w.startsWith('--'));
  return [process.execPath, ...flags, cli];
}

export interface LogLine {
  level: number;
  msg: string;
  time: string;
  instance?: string;
  from?: string;
  to?: string;
  cause?: string;
  [k: string]: unknown;
}

export interface RouterOptions {
  name: string;
  vrid: number;
  priority?: number;
  advertInt?: number;
  version?: 2 | 3;
  family?: 4 | 6;
  vips: string[];
  state?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  preemptDelay?: number;
  authPass?: string;
  /** With authPass: PASS (the default) or AH. */
  authType?: 'PASS' | 'AH';
  unicastPeers?: string[];
  unicastSrcIp?: string;
  garpMasterDelay?: number;
  /** Extra instance lines / keys, already in the target syntax. */
  extra?: string[];
  /** Extra top-level text in the router's own syntax (vrrp_check blocks in YAML, vrrp_track_file blocks...). */
  topLevel?: string;
  /**
   * The whole configuration file, written as given (several instances, sync groups...); the fields above then
   * only say which VIPs heldVips() looks for.
   */
  configText?: string;
}

abstract class Router {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-router-'));
  protected child: ChildProcess | undefined;
  protected output = '';

  constructor(
    readonly lab: Lab,
    readonly host: string,
    readonly opts: RouterOptions,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get log(): string {
    return this.output;
  }

  /** Sends a signal to the router process itself (not the `ip netns exec` wrapper). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.realPid();
    if (pid) process.kill(pid, sig);
  }

  protected abstract realPid(): number | undefined;

  /** Kills the VRRP process without any chance to clean up (a crashed host, as far as VRRP can tell). */
  abstract hardKill(): void;

  /** Resolves with the exit code once the process (and its wrapper) has exited, or rejects after timeoutMs. */
  exited(timeoutMs: number): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.host} did not exit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }

  protected capture(child: ChildProcess): void {
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
  }

  /** The log reader leaves: the router's stdout pipe is closed from this end (later writes get EPIPE). */
  closeLogReader(): void {
    this.child?.stdout?.destroy();
  }

  /** The log reader stops reading but stays: the router's stdout pipe fills up. */
  stallLogReader(): void {
    this.child?.stdout?.pause();
  }

  /** VIPs (of opts.vips, without prefix) currently present on the host's eth0 (or its VMAC vrrp.<vrid>). */
  heldVips(): string[] {
    const fam = this.opts.family ?? 4;
    const present = new Set([
      ...this.lab.addresses(this.host, 'eth0', fam),
      ...this.lab.addresses(this.host, `vrrp.${this.opts.vrid}`, fam),
    ]);
    return this.opts.vips.map((v) => v.split(/[/ ]/)[0] as string).filter((v) => present.has(v));
  }
}

export class VipdRouter extends Router {
  start(env: Record<string, string> = {}, args: string[] = []): this {
    const cfg = path.join(this.dir, 'vipd.yaml');
    writeFileSync(cfg, this.opts.configText ?? vipdYaml(this.opts, this.dir));
    const [node, ...vipd] = vipdCommand();
    const child = this.lab.spawn(
      this.host,
      node,
      [...vipd, 'run', '-f', cfg, '--log-level', 'debug', ...this.runFiles(), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    this.capture(child);
    return this;
  }

  /** This router's own pid file and control socket (several vipd share one file system in a lab). */
  runFiles(): string[] {
    return ['--pid-file', this.pidFile, '--control-socket', this.controlSocket];
  }

  get pidFile(): string {
    return path.join(this.dir, 'vipd.pid');
  }

  get controlSocket(): string {
    return path.join(this.dir, 'vipd.sock');
  }

  protected realPid(): number | undefined {
    // `ip netns exec` execs the command, so the child's pid is vipd's own.
    return this.child?.pid;
  }

  hardKill(): void {
    this.signal('SIGKILL');
  }

  lines(): LogLine[] {
    return this.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return undefined;
        }
      })
      .filter((l): l is LogLine => l !== undefined);
  }

  transitions(): { from: string; to: string; cause: string; time: number }[] {
    return this.lines()
      .filter((l) => l.msg === 'state transition')
      .map((l) => ({ from: l.from ?? '', to: l.to ?? '', cause: l.cause ?? '', time: Date.parse(l.time) }));
  }

  state(): string {
    return this.transitions().at(-1)?.to ?? 'INIT';
  }

  notifications(): string[] {
    try {
      return readFileSync(path.join(this.dir, 'notify.log'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}

export class KeepalivedRouter extends Router {
  start(): this {
    const cfg = path.join(this.dir, 'keepalived.conf');
    writeFileSync(cfg, this.opts.configText ?? keepalivedConf(this.opts, this.dir));
    const child = this.lab.spawn(this.host, 'keepalived', [
      '--dont-fork',
      '--log-console',
      '--log-detail',
      '--vrrp',
      '--dont-respawn',
      '-f',
      cfg,
      '-p',
      path.join(this.dir, 'keepalived.pid'),
      '-r',
      path.join(this.dir, 'vrrp.pid'),
    ]);
    this.capture(child);
    return this;
  }

  protected realPid(): number | undefined {
    try {
      return Number(readFileSync(path.join(this.dir, 'keepalived.pid'), 'utf8').trim());
    } catch {
      return this.child?.pid;
    }
  }

  /** SIGKILL to the VRRP child first: killing only the parent would let the child send priority 0. */
  hardKill(): void {
    for (const file of ['vrrp.pid', 'keepalived.pid']) {
      try {
        process.kill(Number(readFileSync(path.join(this.dir, file), 'utf8').trim()), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** keepalived's state from its log ("Entering MASTER STATE" / "Entering BACKUP STATE"). */
  state(): string {
    const m = [...this.output.matchAll(/Entering (MASTER|BACKUP|FAULT) STATE/g)];
    return m.at(-1)?.[1] ?? 'INIT';
  }
}

function notifyScript(dir: string): string {
  const script = path.join(dir, 'notify.sh');
  writeFileSync(script, `#!/bin/sh\necho "$*" >> ${path.join(dir, 'notify.log')}\n`, { mode: 0o755 });
  return script;
}

export function vipdYaml(o: RouterOptions, dir: string): string {
  const lines = [
    'vrrp_instance:',
    `  ${o.name}:`,
    `    state: ${o.state ?? 'BACKUP'}`,
    '    interface: eth0',
    `    virtual_router_id: ${o.vrid}`,
    `    priority: ${o.priority ?? 100}`,
    `    advert_int: ${o.advertInt ?? 1}`,
    `    version: ${o.version ?? 3}`,
    `    notify: ${notifyScript(dir)}`,
    `    virtual_ipaddress: [${o.vips.map((v) => JSON.stringify(v)).join(', ')}]`,
  ];
  if (o.nopreempt) lines.push('    nopreempt: true');
  if (o.preemptDelay !== undefined) lines.push(`    preempt_delay: ${o.preemptDelay}`);
  if (o.authPass) lines.push(`    authentication: { auth_type: ${o.authType ?? 'PASS'}, auth_pass: ${o.authPass} }`);
  if (o.unicastPeers) lines.push(`    unicast_peer: [${o.unicastPeers.join(', ')}]`);
  if (o.unicastSrcIp) lines.push(`    unicast_src_ip: ${o.unicastSrcIp}`);
  if (o.garpMasterDelay !== undefined) lines.push(`    garp_master_delay: ${o.garpMasterDelay}`);
  for (const e of o.extra ?? []) lines.push(`    ${e}`);
  return `${o.topLevel ?? ''}${lines.join('\n')}\n`;
}

export function keepalivedConf(o: RouterOptions, dir: string): string {
  const body = [
    `  state ${o.state ?? 'BACKUP'}`,
    '  interface eth0',
    `  virtual_router_id ${o.vrid}`,
    `  priority ${o.priority ?? 100}`,
    `  advert_int ${o.advertInt ?? 1}`,
    `  version ${o.version ?? 3}`,
    `  notify ${notifyScript(dir)}`,
    `  virtual_ipaddress {\n${o.vips.map((v) => `    ${v}`).join('\n')}\n  }`,
  ];
  if (o.nopreempt) body.push('  nopreempt');
  if (o.preemptDelay !== undefined) body.push(`  preempt_delay ${o.preemptDelay}`);
  if (o.authPass)
    body.push(`  authentication {\n    auth_type ${o.authType ?? 'PASS'}\n    auth_pass ${o.authPass}\n  }`);
  if (o.unicastPeers) body.push(`  unicast_peer {\n${o.unicastPeers.map((p) => `    ${p}`).join('\n')}\n  }`);
  if (o.unicastSrcIp) body.push(`  unicast_src_ip ${o.unicastSrcIp}`);
  if (o.garpMasterDelay !== undefined) body.push(`  garp_master_delay ${o.garpMasterDelay}`);
  for (const e of o.extra ?? []) body.push(`  ${e}`);
  return [
    ...(o.topLevel ? [o.topLevel] : []),
    'global_defs {',
    `  router_id ${o.name}_${path.basename(dir)}`,
    '  script_user root',
    '}',
    `vrrp_instance ${o.name} {`,
    ...body,
    '}',
    '',
  ].join('\n');
}
