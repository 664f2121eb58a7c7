/**
 * The keepalived sample corpus as it loads once TRACKERS_SUPPORTED is flipped (keywords.ts mocked to true): the
 * lists samples.test.ts will hold then. When the lead flips the switch, these lists move into samples.test.ts
 * and this file goes.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { ConfigIssue } from '../../src/core/config/model.js';
import { loadConfigFile } from '../../src/edges/config-files.js';

vi.mock('../../src/core/config/keywords.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/core/config/keywords.js')>()),
  TRACKERS_SUPPORTED: true,
}));

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/keepalived-samples');
const samples = readdirSync(DIR).filter((f) => f.startsWith('keepalived.conf'));
const OPTS = { configId: 'high' };

const PASSING_WITH_TRACKERS = [
  'keepalived.conf.HTTP_GET.port',
  'keepalived.conf.IPv6',
  'keepalived.conf.PING_CHECK',
  'keepalived.conf.SMTP_CHECK',
  'keepalived.conf.UDP_CHECK',
  'keepalived.conf.fwmark',
  'keepalived.conf.inhibit',
  'keepalived.conf.misc_check',
  'keepalived.conf.misc_check_arg',
  'keepalived.conf.quorum',
  'keepalived.conf.sample',
  'keepalived.conf.status_code',
  'keepalived.conf.virtual_server_group',
  'keepalived.conf.virtualhost',
  'keepalived.conf.vrrp',
  'keepalived.conf.vrrp.localcheck',
];

const NOT_SUPPORTED_YET_WITH_TRACKERS: Record<string, string[]> = {
  'keepalived.conf.SSL_GET': ['auth_type AH'],
  'keepalived.conf.conditional_conf': ['net_namespace', 'use_vmac'],
  'keepalived.conf.track_interface': ['static_routes', 'virtual_routes'],
  'keepalived.conf.vrrp.lvs_syncd': ['vrrp_sync_group'],
  'keepalived.conf.vrrp.routes': ['static_routes', 'virtual_routes'],
  'keepalived.conf.vrrp.rules': ['static_rules', 'virtual_rules'],
  'keepalived.conf.vrrp.scripts': ['vrrp_sync_group'],
  'keepalived.conf.vrrp.static_ipaddress': ['static_ipaddress', 'virtual_routes'],
  'keepalived.conf.vrrp.sync': ['vrrp_sync_group'],
};

const NOT_SUPPORTED = / is not supported yet$/;
const notSupportedKeywords = (errors: ConfigIssue[]) =>
  [...new Set(errors.map((e) => e.message.replace(NOT_SUPPORTED, '')))].sort();

describe('keepalived sample corpus with trackers supported', () => {
  it('the two lists cover every sample exactly once', () => {
    expect([...PASSING_WITH_TRACKERS, ...Object.keys(NOT_SUPPORTED_YET_WITH_TRACKERS)].sort()).toEqual(
      [...samples].sort(),
    );
  });

  it.each(PASSING_WITH_TRACKERS)('%s passes check-config', async (name) => {
    const r = await loadConfigFile(path.join(DIR, name), OPTS);
    expect(r.errors).toEqual([]);
    expect(r.config).toBeDefined();
  });

  it.each(Object.entries(NOT_SUPPORTED_YET_WITH_TRACKERS))('%s is refused only for: %s', async (name, keywords) => {
    const r = await loadConfigFile(path.join(DIR, name), OPTS);
    for (const e of r.errors) expect(e.message).toMatch(NOT_SUPPORTED);
    expect(notSupportedKeywords(r.errors)).toEqual(keywords);
  });
});
