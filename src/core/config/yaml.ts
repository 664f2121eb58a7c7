/**
 * The YAML front end: keepalived.conf with its braces turned into maps (see conf/README.md). Parses with the
 * `yaml` package keeping every node's source range (parseDocument + LineCounter), hands the plain tree to
 * schema/, and gives it a locator so that every error and warning carries file:line:col of the offending
 * key or value. All problems are collected and returned together.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import type { ParseResult } from './result.js';
import { type Locator, type PathSegment, type ValidateOptions, validateConfig } from './schema/index.js';

/**
 * Parses and validates a YAML configuration. Pure: `file` is only used in the issues. `options` go to
 * validateConfig.
 */
export function parseYamlConfig(text: string, file: string, options?: ValidateOptions): ParseResult {
  const lineCounter = new LineCounter();
  // merge: `<<: *anchor` lets one instance reuse another's settings (YAML 1.1 merge keys).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const warnings = doc.warnings.map((w) => ({ file, ...pos(w.pos[0]), message: yamlMessage(w.message) }));
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({ file, ...pos(e.pos[0]), message: yamlMessage(e.message) }));
    return { errors, warnings };
  }
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. an alias expanding beyond maxAliasCount ("billion laughs").
    return { errors: [{ file, line: 1, col: 1, message: `YAML: ${(err as Error).message}` }], warnings };
  }
  const result = validateConfig(tree, file, locator(doc, pos), options);
  return {
    config: result.config,
    model: result.model,
    errors: result.errors,
    warnings: [...warnings, ...result.warnings],
  };
}

function yamlMessage(message: string): string {
  return `YAML: ${message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message}`;
}

/**
 * Finds the node at `path` (map keys, sequence indexes) and returns the position of its key or its value.
 * When the path goes beyond what the document holds (a missing keyword, an index into a scalar), the deepest
 * node found is used. A missing value (`nopreempt:` with nothing after it) points at its key.
 */
function locator(doc: Document, pos: (offset: number) => { line: number; col: number }): Locator {
  return (path: readonly PathSegment[], target) => {
    let node: unknown = doc.contents;
    let best = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(doc);
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = findPair(doc, node, String(seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (last && target === 'key' && keyStart !== undefined) return pos(keyStart);
        const value = pair.value;
        const empty = value === null || (isScalar(value) && value.value === null && !value.source);
        best = (empty ? keyStart : rangeStart(value)) ?? keyStart ?? best;
        node = value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        best = rangeStart(item) ?? best;
        node = item;
      } else break;
    }
    return pos(best);
  };
}

/** The pair for `key` in a map, looking through `<<` merge sources as the merge itself does. */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const own = map.items.find((p) => keyText(p.key) === key);
  if (own || depth > 10) return own;
  for (const p of map.items) {
    if (!isScalar(p.key) || p.key.source !== '<<') continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const resolved = isAlias(src) ? src.resolve(doc) : src;
      const found = isMap(resolved) ? findPair(doc, resolved, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key) && typeof key.value !== 'symbol') return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
