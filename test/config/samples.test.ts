/**
 * keepalived's own sample configurations, read in place from shared/keepalived-samples (never copied here):
 * each loads without a crash; those whose VRRP keywords are all built pass check-config (their LVS, SMTP and
 * SNMP parts as warnings); the others are refused naming only "not supported yet" keywords, pinned below so
 * the lists shrink as features land. `vipd convert` of each gives YAML that loads to the same model and the
 * same refusals.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import { convertConfigFile, loadConfigFile } from '../../src/edges/config-files.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/keepalived-samples');
const samples = readdirSync(DIR).filter((f) => f.startsWith('keepalived.conf'));
/** keepalived.conf.conditional_conf says to run it with -i high or -i low. */
const OPTS = { configId: 'high' };

const PASSING = [
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
  'keepalived.conf.vrrp.lvs_syncd',
  'keepalived.conf.vrrp.scripts',
  'keepalived.conf.vrrp.sync',
  'keepalived.conf.track_interface',
  'keepalived.conf.vrrp.routes',
  'keepalived.conf.vrrp.rules',
  'keepalived.conf.vrrp.static_ipaddress',
  'keepalived.conf.SSL_GET',
  'keepalived.conf.conditional_conf',
];

/** The model without source positions (which differ between the two files by design); undefined stays so. */
const withoutSource = (v: unknown): unknown =>
  v === undefined ? undefined : JSON.parse(JSON.stringify(v, (k, x) => (k === 'source' ? undefined : x)));

describe('keepalived sample corpus', () => {
  it('every sample is in the passing list', () => {
    expect([...PASSING].sort()).toEqual([...samples].sort());
  });

  it.each(PASSING)('%s passes check-config (its LVS/SMTP/SNMP parts are warnings)', async (name) => {
    const r = await loadConfigFile(path.join(DIR, name), OPTS);
    expect(r.format).toBe('keepalived');
    expect(r.errors).toEqual([]);
    expect(r.config).toBeDefined();
  });

  it.each(PASSING)('%s has no "not supported" anywhere, error or warning', async (name) => {
    const r = await loadConfigFile(path.join(DIR, name), OPTS);
    expect([...r.errors, ...r.warnings].filter((i) => /not supported/.test(i.message))).toEqual([]);
  });

  it.each(samples)('%s converts to YAML that loads to the same model and the same refusals', async (name) => {
    const file = path.join(DIR, name);
    const original = await loadConfigFile(file, OPTS);
    const converted = await convertConfigFile(file, OPTS);
    expect(converted.yaml).toBeDefined();
    const again = parseYamlConfig(converted.yaml as string, `${name}.yaml`);
    expect(withoutSource(again.config ?? again.model)).toEqual(withoutSource(original.config ?? original.model));
    expect(again.errors.map((e) => e.message)).toEqual(original.errors.map((e) => e.message));
  });
});
