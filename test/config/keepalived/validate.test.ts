import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looksLikeKeepalivedConf, parseKeepalivedToConfig } from '../../../src/core/config/keepalived/index.js';
import { fmt, memHost } from './helpers.js';

describe('keepalived.conf through validateConfig', () => {
  it('notify_* CMD USER [GROUP]: the script runs as that user; a user that cannot be one is an error', () => {
    const inst = (notify: string) =>
      `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n ${notify}\n}\n`;
    const r = parseKeepalivedToConfig(
      inst('notify_master "/bin/m.sh a" nobody nogroup\n notify /bin/n.sh daemon'),
      '/k/k.conf',
      {
        host: memHost({}),
      },
    );
    expect(r.errors).toEqual([]);
    expect(r.config?.instances[0]?.notify).toEqual({
      master: ['/bin/m.sh', 'a'],
      generic: ['/bin/n.sh'],
      users: { master: { user: 'nobody', group: 'nogroup' }, generic: { user: 'daemon' } },
    });
    const bad = parseKeepalivedToConfig(inst('notify_master /bin/m.sh a b c'), '/k/k.conf', { host: memHost({}) });
    expect(bad.errors.map(fmt)).toEqual([
      '/k/k.conf:7:16: notify_master: the user must be USER, USER GROUP or USER:GROUP',
    ]);
  });

  it('builds the model and points schema errors into included files', () => {
    const files = {
      '/k/vi.conf':
        'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 300\n  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n',
    };
    const r = parseKeepalivedToConfig('global_defs {\n  router_id lb1\n}\ninclude vi.conf\n', '/k/main.conf', {
      host: memHost(files),
    });
    expect(r.errors.map(fmt)).toEqual(['/k/vi.conf:4:12: priority must be a whole number from 1 to 255, got 300']);
  });

  it('a valid keepalived.conf gives the same model as the YAML form', () => {
    const text =
      'vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 150\n nopreempt\n' +
      ' authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n virtual_ipaddress {\n  10.0.0.100/24\n }\n' +
      ' notify_master "/etc/vipd/master.sh a \'b c\'"\n}\n';
    const r = parseKeepalivedToConfig(text, '/k/main.conf', { host: memHost({}) });
    expect(r.errors).toEqual([]);
    const vi = r.config?.instances[0];
    expect(vi).toMatchObject({
      name: 'VI_1',
      priority: 150,
      preempt: false,
      auth: { type: 'PASS', password: '1111' },
      notify: { master: ['/etc/vipd/master.sh', 'a', 'b c'] },
      source: { file: '/k/main.conf', line: 1, col: 15 },
    });
  });

  // The schema is being extended (track_script support): assert only that the keyword reached it, with a position.
  it('keepalived features vipd lacks reach the schema, with their positions', () => {
    const r = parseKeepalivedToConfig(
      'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n track_script {\n  chk\n }\n}\n',
      '/k/main.conf',
      { host: memHost({}) },
    );
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.file).toBe('/k/main.conf');
      expect([7, 8]).toContain(e.line);
      expect(e.message).toContain('track_script');
    }
  });
});

describe('looksLikeKeepalivedConf', () => {
  it('tells keepalived.conf from YAML', () => {
    expect(looksLikeKeepalivedConf(readFileSync('conf/vipd.example.yaml', 'utf8'))).toBe(false);
    expect(looksLikeKeepalivedConf('vrrp_instance:\n  VI_1: { interface: eth0 }\n')).toBe(false);
    expect(looksLikeKeepalivedConf('global_defs: { router_id: a }\n')).toBe(false);
    expect(looksLikeKeepalivedConf('vrrp_instance VI_1 {\n interface eth0\n}\n')).toBe(true);
    expect(looksLikeKeepalivedConf('! comment\ninclude /etc/keepalived/conf.d/*.conf\n')).toBe(true);
    expect(looksLikeKeepalivedConf('')).toBe(false);
  });
});
