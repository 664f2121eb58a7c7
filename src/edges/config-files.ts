/**
 * Configuration files from disk: the one impure step in front of the pure loaders. Chooses the format by
 * `--format` or by content (keepalived.conf or vipd YAML), gives keepalived's `include` the real file system,
 * and returns the checked model, or, for `vipd convert`, the plain tree printed as YAML.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  looksLikeKeepalivedConf,
  parseKeepalivedConfig,
  parseKeepalivedToConfig,
} from '../core/config/keepalived/index.js';
import type { ConfigIssue } from '../core/config/model.js';
import type { ParseResult } from '../core/config/result.js';
import { createFsHost } from './config-host.js';

export type ConfigFormat = 'yaml' | 'keepalived';

export interface LoadOptions {
  /** Forced format; by default it is chosen from the file's content. */
  format?: ConfigFormat | undefined;
  /** keepalived's config id for `@id` lines (keepalived -i); default: the short host name. */
  configId?: string | undefined;
}

export interface Loaded extends ParseResult {
  format: ConfigFormat;
}

async function readText(path: string): Promise<{ text?: string; error?: ConfigIssue }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: { file: path, line: 1, col: 1, message: `cannot read the file: ${e.code ?? e.message}` } };
  }
}

/** The YAML reader, loaded only for a YAML file: the `yaml` package is half of the config code's size. */
function yamlReader() {
  return import('../core/config/yaml.js');
}

function formatOf(text: string, opts: LoadOptions): ConfigFormat {
  return opts.format ?? (looksLikeKeepalivedConf(text) ? 'keepalived' : 'yaml');
}

function keepalivedOptions(opts: LoadOptions) {
  return {
    host: createFsHost(),
    configId: opts.configId ?? hostname().split('.')[0] ?? '',
    env: process.env as Record<string, string>,
    random: Math.random,
  };
}

export async function loadConfigFile(path: string, opts: LoadOptions = {}): Promise<Loaded> {
  const { text, error } = await readText(path);
  if (text === undefined) return { format: opts.format ?? 'yaml', errors: error ? [error] : [], warnings: [] };
  const format = formatOf(text, opts);
  const result =
    format === 'keepalived'
      ? parseKeepalivedToConfig(text, path, keepalivedOptions(opts))
      : (await yamlReader()).parseYamlConfig(text, path);
  return { ...result, format };
}

/**
 * `vipd convert`: the file as vipd YAML. Printed whenever the file could be read into a tree (syntax errors
 * stop it); what check-config would say about the content comes back as `issues` for the user to fix next.
 */
export async function convertConfigFile(
  path: string,
  opts: LoadOptions = {},
): Promise<{ yaml?: string; errors: ConfigIssue[]; warnings: ConfigIssue[]; issues: ConfigIssue[] }> {
  const { text, error } = await readText(path);
  if (text === undefined) return { errors: error ? [error] : [], warnings: [], issues: [] };
  if (formatOf(text, opts) === 'yaml') {
    const checked = (await yamlReader()).parseYamlConfig(text, path);
    return { yaml: text, errors: [], warnings: checked.warnings, issues: checked.errors };
  }
  const kopts = keepalivedOptions(opts);
  const parsed = parseKeepalivedConfig(text, path, kopts);
  if (parsed.errors.length > 0) return { errors: parsed.errors, warnings: parsed.warnings, issues: [] };
  const checked = parseKeepalivedToConfig(text, path, kopts);
  const { convertTreeToYaml } = await import('../core/config/convert.js');
  const yaml = convertTreeToYaml(parsed.tree);
  // What check-config says of the YAML printed: keepalived's leniency (state SLAVE...) is keepalived.conf's, the
  // YAML keeps vipd's rules.
  const output = (await yamlReader()).parseYamlConfig(yaml, `${path} (converted)`);
  const issues = checked.errors.length > 0 ? checked.errors : output.errors;
  return { yaml, errors: [], warnings: checked.warnings, issues };
}
