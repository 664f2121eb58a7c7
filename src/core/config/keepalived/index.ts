/**
 * The keepalived.conf front end: reads keepalived's own configuration language into the same plain tree the
 * YAML front end (yaml.ts) produces, so that schema/'s validateConfig checks both. Pure: files named by
 * `include` come through the injected host (src/edges/config-host.ts for the real file system).
 *
 * Layers: reader.ts (lines, includes, @id conditionals, $definitions, ~SEQ, substitution) → lexer.ts (tokens)
 * → syntax.ts (statements and blocks) → mapper.ts with grammar.ts (the tree and the locator).
 */

import type { ParseResult } from '../result.js';
import { type Locator, type ValidateOptions, validateConfig } from '../schema/index.js';
import { TOP_LEVEL_WORDS } from './grammar.js';
import { type KeepalivedLocator, mapStatements, type Tree } from './mapper.js';
import { readKeepalived } from './reader.js';
import { parseStatements } from './syntax.js';
import type { ConfigIssue, KeepalivedOptions } from './types.js';

export type { KeepalivedLocator, Tree } from './mapper.js';
export type { ConfigHost, KeepalivedOptions } from './types.js';

export interface KeepalivedParseResult {
  tree: Tree;
  locate: KeepalivedLocator;
  /** Syntax errors (braces, strings, definitions, ~SEQ, includes, block keywords), every one of them. */
  errors: ConfigIssue[];
  /** Missing includes, parts of keepalived vipd does not use (LVS, SMTP, SNMP ...), repeated settings. */
  warnings: ConfigIssue[];
}

export function parseKeepalivedConfig(text: string, file: string, opts: KeepalivedOptions): KeepalivedParseResult {
  const read = readKeepalived(text, file, opts);
  const errors = [...read.errors];
  const warnings = [...read.warnings];
  const statements = parseStatements(read.lines, errors);
  const { tree, locate } = mapStatements(statements, file, errors, warnings);
  return { tree, locate, errors, warnings };
}

/**
 * schema/'s Locator over a keepalived locator. The positions keep their `file`, which the schema's reporter
 * spreads over its own, so issues in included files name the right file.
 */
export function toLocator(locate: KeepalivedLocator): Locator {
  return (path, target) => locate(path, target);
}

/** Parses and validates: the keepalived.conf counterpart of parseYamlConfig. Stops after syntax errors. */
export function parseKeepalivedToConfig(
  text: string,
  file: string,
  opts: KeepalivedOptions,
  validate?: ValidateOptions,
): ParseResult {
  const parsed = parseKeepalivedConfig(text, file, opts);
  if (parsed.errors.length > 0) return { errors: parsed.errors, warnings: parsed.warnings };
  const result = validateConfig(parsed.tree, file, toLocator(parsed.locate), { ...validate, keepalived: true });
  return {
    config: result.config,
    model: result.model,
    errors: result.errors,
    warnings: [...parsed.warnings, ...result.warnings],
  };
}

/** How many non-empty lines looksLikeKeepalivedConf weighs. */
const FORMAT_EVIDENCE_LINES = 500;

/**
 * Content sniffing for the CLI: keepalived.conf (blocks in braces, keepalived's top-level keywords, `@id`,
 * `$NAME=`, `~SEQ`) rather than YAML (`key:` maps, `- ` lists, `---`).
 */
export function looksLikeKeepalivedConf(text: string): boolean {
  let keepalived = 0;
  let yaml = 0;
  let significant = 0;
  // The first lines that say anything decide: a file of thousands of real servers is not read twice over.
  for (let start = 0; start < text.length && significant < FORMAT_EVIDENCE_LINES; ) {
    const end = text.indexOf('\n', start);
    const rawLine = text.slice(start, end < 0 ? text.length : end);
    start = end < 0 ? text.length : end + 1;
    const line = rawLine.replace(/[#!].*$/, '').trim();
    if (line.length === 0) continue;
    significant++;
    if (/^---\s*$/.test(line) || /^-\s/.test(line) || /^["']?[\w.-]+["']?\s*:(\s|$)/.test(line)) {
      yaml++;
      continue;
    }
    const first = line.split(/\s+/)[0] as string;
    if (TOP_LEVEL_WORDS.has(first) || /^(@\^?\S+\s|\$[A-Za-z_]\w*=|~SEQ)/.test(line)) keepalived += 2;
    else if (/^[^:]*\{$/.test(line) || line === '}') keepalived++;
  }
  return keepalived > yaml;
}
