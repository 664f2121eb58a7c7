import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { looksLikeKeepalivedConf, parseKeepalivedConfig } from '../../../src/core/config/keepalived/index.js';
import { createFsHost } from '../../../src/edges/config-host.js';

/** keepalived's own samples, read in place from the shared folder beside the repository. */
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/keepalived-samples');
const samples = readdirSync(DIR).filter((f) => f.startsWith('keepalived.conf'));
const parse = (name: string, configId = 'test') => {
  const file = `${DIR}/${name}`;
  return parseKeepalivedConfig(readFileSync(file, 'utf8'), file, { host: createFsHost(), configId });
};
const warned = (name: string, configId?: string) =>
  [...new Set(parse(name, configId).warnings.map((w) => /^keyword (\S+) /.exec(w.message)?.[1] ?? w.message))].sort();

const SMTP_GLOBALS = ['notification_email', 'notification_email_from', 'smtp_connect_timeout', 'smtp_server'];

/** The keywords each sample uses that vipd leaves out (everything else reaches the tree). */
const WARNED: Record<string, string[]> = {
  'keepalived.conf.HTTP_GET.port': SMTP_GLOBALS,
  'keepalived.conf.IPv6': [],
  'keepalived.conf.PING_CHECK': SMTP_GLOBALS,
  'keepalived.conf.SMTP_CHECK': SMTP_GLOBALS,
  'keepalived.conf.SSL_GET': SMTP_GLOBALS,
  'keepalived.conf.UDP_CHECK': SMTP_GLOBALS,
  'keepalived.conf.conditional_conf': [],
  'keepalived.conf.fwmark': [],
  'keepalived.conf.inhibit': SMTP_GLOBALS,
  'keepalived.conf.misc_check': SMTP_GLOBALS,
  'keepalived.conf.misc_check_arg': SMTP_GLOBALS,
  'keepalived.conf.quorum': [],
  'keepalived.conf.sample': SMTP_GLOBALS,
  'keepalived.conf.status_code': SMTP_GLOBALS,
  'keepalived.conf.track_interface': [],
  'keepalived.conf.virtual_server_group': SMTP_GLOBALS,
  'keepalived.conf.virtualhost': SMTP_GLOBALS,
  'keepalived.conf.vrrp': [...SMTP_GLOBALS, 'smtp_alert'],
  'keepalived.conf.vrrp.localcheck': [],
  // VI_2 and VI_3 stand bare in its sync group: read as members, with a warning each.
  'keepalived.conf.vrrp.lvs_syncd': ['VI_2', 'VI_3'],
  'keepalived.conf.vrrp.routes': [],
  'keepalived.conf.vrrp.rules': [],
  'keepalived.conf.vrrp.scripts': ['smtp_alert'],
  'keepalived.conf.vrrp.static_ipaddress': [],
  'keepalived.conf.vrrp.sync': [],
};

describe('keepalived samples (shared/keepalived-samples)', () => {
  it('covers every sample', () => expect(Object.keys(WARNED).sort()).toEqual([...samples].sort()));

  it.each(samples)(
    '%s parses without errors, is sniffed as keepalived.conf, warns only about non-VRRP keywords',
    (name) => {
      const r = parse(name);
      expect(r.errors).toEqual([]);
      expect(looksLikeKeepalivedConf(readFileSync(`${DIR}/${name}`, 'utf8'))).toBe(true);
      expect(warned(name)).toEqual([...(WARNED[name] ?? ['?'])].sort());
    },
  );

  it('keepalived.conf.vrrp', () => {
    const r = parse('keepalived.conf.vrrp');
    const auth = { auth_type: 'PASS', auth_pass: '1111' };
    expect(r.tree).toEqual({
      global_defs: { router_id: 'LVS_DEVEL' },
      vrrp_instance: {
        VI_1: {
          state: 'MASTER',
          interface: 'eth0',
          garp_master_delay: 10,
          virtual_router_id: 51,
          priority: 100,
          advert_int: 1,
          authentication: auth,
          virtual_ipaddress: ['192.168.200.16', '192.168.200.17', '192.168.200.18', '192.168.200.18 label eth0:1'],
        },
        VI_2: {
          interface: 'eth0',
          virtual_router_id: 50,
          priority: 50,
          advert_int: 1,
          virtual_ipaddress: ['192.168.200.13', '192.168.200.14', '192.168.200.15'],
        },
        VI_3: {
          state: 'MASTER',
          interface: 'eth1',
          virtual_router_id: 52,
          priority: 100,
          advert_int: 1,
          authentication: auth,
          virtual_ipaddress: ['192.168.201.13', '192.168.201.14', '192.168.201.15'],
        },
        VI_4: {
          interface: 'eth1',
          virtual_router_id: 53,
          priority: 50,
          advert_int: 1,
          virtual_ipaddress: ['192.168.201.16', '192.168.201.17', '192.168.201.18'],
        },
      },
    });
    expect(r.warnings.find((w) => w.message.includes('smtp_alert'))).toMatchObject({ line: 17, col: 5 });
  });

  it('keepalived.conf.vrrp.sync', () => {
    const r = parse('keepalived.conf.vrrp.sync');
    expect(r.tree.vrrp_sync_group).toEqual({
      G1: {
        group: ['VI_1', 'VI_2', 'VI_5', 'VI_6', 'VI_7', 'VI_8', 'VI_9'],
        notify_backup: '/usr/local/bin/vrrp.back arg1 arg2',
        notify_master: '/usr/local/bin/vrrp.mast arg1 arg2',
        notify_fault: '/usr/local/bin/vrrp.fault arg1 arg2',
      },
      G2: { group: ['VI_3', 'VI_4'] },
    });
    const instances = r.tree.vrrp_instance as Record<string, unknown>;
    expect(Object.keys(instances)).toEqual(['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VI_7', 'VI_8', 'VI_9']);
    expect(instances.VI_1).toEqual({
      interface: 'eth0',
      state: 'MASTER',
      virtual_router_id: 51,
      priority: 100,
      virtual_ipaddress: ['192.168.200.18/25'],
    });
    expect(instances.VI_4).toEqual({
      interface: 'eth1',
      virtual_router_id: 54,
      priority: 100,
      virtual_ipaddress: ['192.168.201.19/28'],
    });
  });

  it('keepalived.conf.vrrp.localcheck', () => {
    const r = parse('keepalived.conf.vrrp.localcheck');
    expect(r.tree.vrrp_script).toEqual({
      chk_sshd: { script: 'killall -0 sshd', interval: 2, weight: -4, fall: 2, rise: 2 },
      chk_haproxy: { script: 'killall -0 haproxy', interval: 2 },
      chk_http_port: { script: '</dev/tcp/127.0.0.1/80', interval: 1, weight: -2 },
      chk_https_port: { script: '</dev/tcp/127.0.0.1/443', interval: 1, weight: -2 },
      chk_smtp_port: { script: '</dev/tcp/127.0.0.1/25', interval: 1, weight: -2 },
    });
    const instances = r.tree.vrrp_instance as Record<string, unknown>;
    expect(instances.VI_1).toEqual({
      interface: 'eth0',
      state: 'MASTER',
      virtual_router_id: 51,
      priority: 100,
      virtual_ipaddress: ['192.168.200.18/25'],
      track_interface: ['eth1 weight 2', 'eth2 weight -2', 'eth3'],
      track_script: ['chk_sshd', 'chk_haproxy weight 2', 'chk_http_port', 'chk_https_port', 'chk_smtp_port'],
    });
    expect(instances.VI_2).toMatchObject({
      track_interface: ['eth0 weight 2', 'eth2 weight -2', 'eth3'],
      track_script: ['chk_haproxy weight 2', 'chk_http_port', 'chk_https_port', 'chk_smtp_port'],
    });
    expect(Object.keys(instances)).toHaveLength(9);
  });

  it('keepalived.conf.conditional_conf with config id high (and low)', () => {
    const expected = (id: string, priority: number) => ({
      net_namespace: id,
      vrrp_script: {
        check_VI_0: {
          script: `/etc/keepalived/scripts/check_${id}_VI_0.sh`,
          interval: 1,
          timeout: 10,
          rise: 3,
          fall: 3,
        },
      },
      vrrp_instance: {
        VI_0: {
          state: 'BACKUP',
          interface: 'eth0',
          virtual_router_id: 1,
          priority,
          advert_int: 12,
          version: 3,
          use_vmac: true,
          track_script: ['check_VI_0'],
          track_interface: ['eth3', 'eth2 weight 20'],
          virtual_ipaddress: ['10.1.0.254/32'],
        },
      },
    });
    expect(parse('keepalived.conf.conditional_conf', 'high').tree).toEqual(expected('high', 170));
    expect(parse('keepalived.conf.conditional_conf', 'low').tree).toEqual(expected('low', 85));
    const none = parse('keepalived.conf.conditional_conf', 'other').tree;
    expect(none.net_namespace).toBeUndefined();
    expect(none.vrrp_script).toEqual({ check_VI_0: { interval: 1, timeout: 10, rise: 3, fall: 3 } });
  });
});
