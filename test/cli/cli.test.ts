/** The command line as a user meets it: help, version, check-config exit codes and error locations. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/routers.js';

// The shipped build when it was made for this run (npm test, test:lab), else the source through tsx (test:fast).
const cli =
  process.env.VIPD_TEST_CLI === 'source'
    ? ['--import', 'tsx', path.join(repoRoot, 'src/cli.ts')]
    : [path.join(repoRoot, 'dist/vipd.js')];
const vipd = (...args: string[]) =>
  spawnSync(process.execPath, [...cli, ...args], { encoding: 'utf8', timeout: 20_000, cwd: repoRoot });

function file(name: string, text: string): string {
  const p = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-cli-')), name);
  writeFileSync(p, text);
  return p;
}

describe('vipd command line', () => {
  it('--help lists the commands and --version prints the package version', () => {
    const help = vipd('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('vipd run [-f FILE] [--control-socket PATH] [--pid-file PATH]');
    expect(help.stdout).toContain('vipd status [--json] [--control-socket PATH]');
    expect(help.stdout).toContain('vipd check-config [-f FILE]');
    const version = vipd('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^vipd \d+\.\d+\.\d+$/);
  });

  it('check-config exits 0 on the shipped example', () => {
    const r = vipd('check-config', '-f', path.join(repoRoot, 'conf/vipd.example.yaml'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('configuration OK');
  });

  it("check-config --strict refuses keepalived's leniency, which plain check-config accepts with a warning", () => {
    const f = file(
      'keepalived.conf',
      'vrrp_instance VI_1 {\n  state SLAVE\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n',
    );
    const lenient = vipd('check-config', '-f', f);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toBe(
      `warning: ${f}:2:9: state SLAVE is not a state: keepalived 2.2.7 treats it as BACKUP, and so does vipd\n`,
    );
    const strict = vipd('check-config', '--strict', '-f', f);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toBe(
      `error: ${f}:2:9: state SLAVE is not a state: keepalived 2.2.7 treats it as BACKUP, and so does vipd\n`,
    );
    expect(vipd('check-config', '--strict', '-f', path.join(repoRoot, 'conf/vipd.example.yaml')).status).toBe(0);
  });

  it('check-config exits 2 and prints every error with file:line:col', () => {
    const f = file(
      'broken.yaml',
      [
        'vrrp_instance:',
        '  VI_1:',
        '    interface: eth0',
        '    virtual_router_id: 300',
        '    priority: 100',
        '    virtual_ipaddress: [ "192.0.2.100/24" ]',
        '    bogus_keyword: 1',
        '',
      ].join('\n'),
    );
    const r = vipd('check-config', '-f', f);
    expect(r.status).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(new RegExp(`^error: ${f}:4:\\d+: .*virtual_router_id`));
    expect(errors[1]).toMatch(new RegExp(`^error: ${f}:7:\\d+: .*bogus_keyword`));
  });

  it('run refuses a broken configuration with exit 2 before touching anything', () => {
    const r = vipd('run', '-f', file('empty.yaml', 'vrrp_instance: 3\n'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/empty\.yaml:1:\d+/);
  });

  it('an unknown command or a missing -f is a usage error (exit 2)', () => {
    expect(vipd('frobnicate').status).toBe(2);
    // Without -f, run reads /etc/vipd/vipd.yaml or /etc/keepalived/keepalived.conf; only where neither exists
    // is that a usage error (a host with a real one would start on it: that case is not run here).
    if (!existsSync('/etc/vipd/vipd.yaml') && !existsSync('/etc/keepalived/keepalived.conf')) {
      const r = vipd('check-config');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('none of /etc/vipd/vipd.yaml, /etc/keepalived/keepalived.conf exists');
    }
  });

  it('reads a keepalived.conf directly, chosen by content or by --format', () => {
    const conf = file(
      'keepalived.conf',
      [
        '! an existing keepalived configuration',
        'global_defs {',
        '  router_id lb1',
        '  smtp_server 127.0.0.1',
        '}',
        'vrrp_instance VI_1 {',
        '  state BACKUP',
        '  interface eth0',
        '  virtual_router_id 51',
        '  priority 150',
        '  virtual_ipaddress {',
        '    192.0.2.100/24 dev eth0 label eth0:1',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const ok = vipd('check-config', '-f', conf);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('configuration OK (keepalived, 1 instances)');
    expect(ok.stderr).toMatch(new RegExp(`warning: ${conf}:4:3: keyword smtp_server is not used by vipd`));
    const forced = vipd('check-config', '--format', 'yaml', '-f', conf);
    expect(forced.status).toBe(2);
    expect(vipd('check-config', '--format', 'json', '-f', conf).status).toBe(2);
  });

  it('convert prints YAML that check-config accepts, and reports what it would refuse', () => {
    const conf = file(
      'keepalived.conf',
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 7\n  nopreempt\n  virtual_ipaddress {\n    192.0.2.7\n  }\n}\n',
    );
    const r = vipd('convert', conf);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nopreempt: true');
    const yamlFile = file('converted.yaml', r.stdout);
    expect(vipd('check-config', '-f', yamlFile).status).toBe(0);
    const refused = file(
      'refused.conf',
      'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 7\n  state SLAVE\n  virtual_ipaddress {\n    192.0.2.7\n  }\n}\n',
    );
    // keepalived's leniency (state SLAVE is BACKUP) is keepalived.conf's: vipd's YAML keeps vipd's rules.
    const c = vipd('convert', refused);
    expect(c.status).toBe(0);
    expect(c.stderr).toContain('check-config will say:');
    expect(c.stderr).toContain('state must be MASTER or BACKUP, got "SLAVE"');
    expect(vipd('convert', file('broken.conf', 'vrrp_instance VI_1 {\n')).status).toBe(2);
  });
});
