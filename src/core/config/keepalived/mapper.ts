/**
 * Statements → the plain tree schema/ validates, plus a locator that gives the file:line:col of any key or
 * value in it. The shapes (see grammar.ts for which keyword is which):
 * - named block `vrrp_instance VI_1 { ... }` → `{ vrrp_instance: { VI_1: { ... } } }`;
 * - section `global_defs { ... }`, `authentication { ... }` → `{ global_defs: { ... } }`;
 * - list block `virtual_ipaddress { 10.0.0.1/24 dev eth0 }` → `{ virtual_ipaddress: ["10.0.0.1/24 dev eth0"] }`
 *   (one string per line, words joined by one space; repeated blocks append);
 * - repeatable section `url { ... } url { ... }` (in a vrrp_check's checker) → `{ url: [{ ... }, { ... }] }`;
 * - `nopreempt` (no value) → `true`; `priority 100` → `100` (a number when it reads as one, except for the
 *   keywords of grammar.TEXT_VALUES); `lvs_sync_daemon eth0 inst VI_1` → `"eth0 inst VI_1"`;
 * - commands `notify_master "/x.sh a b"` → `"/x.sh a b"`, for command.ts to split.
 */

import { DEPRECATED_NAMES, notUsedMessage } from '../keywords.js';
import type { PathSegment } from '../schema/index.js';
import { COMMANDS, type Context, ruleFor, SYNC_GROUP_FLAGS, TEXT_VALUES } from './grammar.js';

/** Blocks keepalived looks up by name in a list: a second one of a name is never found, the first is used. */
const FIRST_DEFINITION_WINS: ReadonlySet<string> = new Set([
  'vrrp_script',
  'vrrp_track_file',
  'track_file',
  'vrrp_track_process',
]);

/** Commands keepalived lets a user (and group) follow. */
const NOTIFY_WITH_USER: ReadonlySet<string> = new Set([
  'notify',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify_deleted',
  'notify_master_rx_lower_pri',
  'startup_script',
  'shutdown_script',
]);

import type { Statement } from './syntax.js';
import type { ConfigIssue, Pos, SourceLocation, Token } from './types.js';

/** Like schema/'s Locator, with the file too (an `include`d file is not the main one). */
export type KeepalivedLocator = (path: readonly PathSegment[], target: 'key' | 'value') => SourceLocation;

export type Tree = Record<string, unknown>;

const NUMERIC = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

const isMap = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a property, also one named `__proto__` (which an assignment would take for the prototype). */
function put(obj: Tree, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function mapStatements(
  statements: readonly Statement[],
  file: string,
  errors: ConfigIssue[],
  warnings: ConfigIssue[],
): { tree: Tree; locate: KeepalivedLocator } {
  const locs = new LocationNode();
  const error = (pos: Pos, message: string) => errors.push({ ...pos, message });
  const warn = (pos: Pos, message: string) => warnings.push({ ...pos, message });
  const lenient = (pos: Pos, message: string) => warnings.push({ ...pos, message, lenient: true });

  const scalar = (kw: string, args: Token[]): unknown => {
    const first = args[0];
    if (!first) return true;
    if (COMMANDS.has(kw)) {
      const extra = args.slice(1);
      // keepalived's notify_* CMD USER [GROUP]: the script runs as that user.
      if (extra.length > 0 && NOTIFY_WITH_USER.has(kw)) {
        return { command: stripQuotes(first.raw), user: extra.map((t) => t.value).join(' ') };
      }
      if (extra.length > 0) {
        error(
          (extra[0] as Token).pos,
          `${kw}: running the script as user ${extra.map((t) => t.value).join(' ')} is not supported yet ` +
            `(to give the script arguments, quote the whole command: ${kw} "${first.value} ${extra.map((t) => t.value).join(' ')}")`,
        );
      }
      return stripQuotes(first.raw);
    }
    // vrrp_track_process `process NAME [PARAMS]`: quoted words stay one element, for the command splitter.
    if (kw === 'process') return args.map((t) => t.raw).join(' ');
    if (args.length === 1) return !TEXT_VALUES.has(kw) && NUMERIC.test(first.value) ? Number(first.value) : first.value;
    return args.map((t) => t.value).join(' ');
  };

  /**
   * `KW NAME { ... }` → tree[KW][NAME] = value, with the errors for a KW used as a setting too and for a NAME
   * given twice. The locations of NAME's block, or undefined when refused.
   */
  const addNamed = (
    obj: Tree,
    kw: string,
    existing: unknown,
    name: string,
    value: unknown,
    here: LocationNode,
    kwPos: Pos,
    namePos: Pos,
    blockPos: Pos,
  ): LocationNode | undefined => {
    if (existing !== undefined && !isMap(existing)) {
      error(kwPos, `${kw} is used both as a setting and as a block`);
      return undefined;
    }
    const group: Tree = existing ?? {};
    if (!existing) put(obj, kw, group);
    here.mark(kwPos, kwPos);
    if (Object.hasOwn(group, name)) {
      const first = here.child(name).key?.line;
      if (FIRST_DEFINITION_WINS.has(kw)) {
        lenient(
          namePos,
          `${kw} ${name} is defined again: keepalived 2.2.7 uses the first one (line ${first}), and so does vipd`,
        );
      } else error(namePos, `${kw} ${name} is defined twice (first at line ${first})`);
      return undefined;
    }
    put(group, name, value);
    return here.child(name).mark(namePos, blockPos);
  };

  /** Maps a block's statements into `obj`, whose locations are `at`. */
  const mapBody = (body: readonly Statement[], ctx: Context, obj: Tree, at: LocationNode): void => {
    for (const st of body) {
      const kwTok = st.keyword;
      const renamed = DEPRECATED_NAMES[ctx]?.[kwTok.value];
      if (renamed) {
        lenient(
          kwTok.pos,
          `${kwTok.value} is keepalived's deprecated name of ${renamed}: read as ${renamed}, as keepalived 2.2.7 does`,
        );
      }
      const kw = renamed ?? kwTok.value;
      const rule = ruleFor(ctx, kw);
      const here = at.child(kw);
      if (rule?.kind === 'ignored') {
        warn(kwTok.pos, notUsedMessage(kw, rule.why));
        continue;
      }
      // keepalived's own sample keepalived.conf.vrrp.lvs_syncd lists sync-group members bare, without group { }:
      // read them as members (with a warning) rather than refuse a file users may have copied.
      if (!rule && ctx === 'vrrp_sync_group' && !st.block && st.args.length === 0 && !SYNC_GROUP_FLAGS.has(kw)) {
        warn(kwTok.pos, `keyword ${kw} is taken as a member of the sync group: write it inside group { ... }`);
        const members = Object.hasOwn(obj, 'group') ? obj.group : undefined;
        const list: unknown[] = Array.isArray(members) ? members : [];
        const group = at.child('group');
        if (!Array.isArray(members)) put(obj, 'group', list);
        if (!Array.isArray(members)) group.mark(kwTok.pos, kwTok.pos);
        group.child(String(list.length)).mark(kwTok.pos, kwTok.pos);
        list.push(kw);
        continue;
      }
      const existing = Object.hasOwn(obj, kw) ? obj[kw] : undefined;
      if (rule?.kind === 'namedList') {
        const name = st.args[0];
        if (!st.block || !name || st.args.length > 1) {
          error(kwTok.pos, `write ${kw} NAME { ... } (one name, then a block of lines)`);
          continue;
        }
        const list: string[] = [];
        const named = addNamed(obj, kw, existing, name.value, list, here, kwTok.pos, name.pos, st.block.open.pos);
        if (!named) continue;
        for (const entry of st.block.body) {
          if (entry.block) {
            error(entry.block.open.pos, `an entry of ${kw} cannot open a { ... } block`);
            continue;
          }
          named.child(String(list.length)).mark(entry.keyword.pos, entry.keyword.pos);
          list.push([entry.keyword, ...entry.args].map((t) => t.value).join(' '));
        }
        continue;
      }
      if (rule?.kind === 'named' && rule.multiWord) {
        if (!st.block || st.args.length === 0) {
          error(kwTok.pos, `${kw} needs its address (or fwmark / group) and a { ... } block`);
          continue;
        }
        let nameText = st.args.map((t) => t.value).join(' ');
        if (kw === 'virtual_server' && isMap(existing) && Object.hasOwn(existing, nameText)) {
          // keepalived keeps twins of one address and port apart by protocol (DNS over UDP and TCP, say): the
          // second is named with its protocol (keepalived's default, UDP, when it has none).
          const protocol = st.block.body.find((s) => s.keyword.value === 'protocol')?.args[0]?.value ?? 'UDP';
          nameText = `${nameText} ${protocol.toUpperCase()}`;
        }
        const inner: Tree = {};
        const named = addNamed(obj, kw, existing, nameText, inner, here, kwTok.pos, kwTok.pos, st.block.open.pos);
        if (named) mapBody(st.block.body, rule.ctx, inner, named);
        continue;
      }
      if (rule?.kind === 'named' || (!rule && st.block && st.args.length === 1)) {
        const name = st.args[0];
        if (!st.block) {
          error(kwTok.pos, `${[kw, ...st.args.map((t) => t.value)].join(' ')} needs a { ... } block`);
          continue;
        }
        if (!name) {
          error(kwTok.pos, `${kw} needs a name before its {`);
          continue;
        }
        if (st.args.length > 1) {
          error((st.args[1] as Token).pos, `${kw} takes one name, got ${st.args.map((t) => t.value).join(' ')}`);
          continue;
        }
        const inner: Tree = {};
        const named = addNamed(obj, kw, existing, name.value, inner, here, kwTok.pos, name.pos, st.block.open.pos);
        if (named) mapBody(st.block.body, rule?.kind === 'named' ? rule.ctx : 'section', inner, named);
        continue;
      }
      if (rule?.kind === 'section' || (!rule && st.block)) {
        if (!st.block) {
          error(kwTok.pos, `${kw} needs a { ... } block`);
          continue;
        }
        if (st.args.length > 0) {
          error((st.args[0] as Token).pos, `${kw} takes no name: write ${kw} { ... }`);
          continue;
        }
        if (existing !== undefined && !isMap(existing)) {
          error(kwTok.pos, `${kw} is used both as a setting and as a block`);
          continue;
        }
        const inner: Tree = existing ?? {};
        if (!existing) put(obj, kw, inner);
        here.mark(kwTok.pos, st.block.open.pos);
        mapBody(st.block.body, rule?.kind === 'section' ? rule.ctx : 'section', inner, here);
        continue;
      }
      if (rule?.kind === 'sectionList') {
        if (!st.block || st.args.length > 0) {
          error(kwTok.pos, `${kw} needs a { ... } block and no name`);
          continue;
        }
        if (existing !== undefined && !Array.isArray(existing)) {
          error(kwTok.pos, `${kw} is used both as a setting and as a block`);
          continue;
        }
        const list: unknown[] = existing ?? [];
        if (!existing) put(obj, kw, list);
        if (!existing) here.mark(kwTok.pos, st.block.open.pos);
        const inner: Tree = {};
        const item = here.child(String(list.length)).mark(kwTok.pos, st.block.open.pos);
        list.push(inner);
        mapBody(st.block.body, rule.ctx, inner, item);
        continue;
      }
      if (rule?.kind === 'list' && rule.inline && !st.block && st.args.length > 0) {
        if (existing !== undefined && !Array.isArray(existing)) {
          error(kwTok.pos, `${kw} is used both as a setting and as a list`);
          continue;
        }
        const list: unknown[] = existing ?? [];
        if (!existing) put(obj, kw, list);
        here.mark(kwTok.pos, (st.args[0] as Token).pos);
        here.child(String(list.length)).mark(kwTok.pos, (st.args[0] as Token).pos);
        list.push(st.args.map((t) => t.value).join(' '));
        continue;
      }
      if (rule?.kind === 'list') {
        if (!st.block) {
          const tail = st.args.length > 0 ? `: write ${kw} { ${st.args.map((t) => t.value).join(' ')} }` : '';
          error(kwTok.pos, `${kw} needs a { ... } block${tail}`);
          continue;
        }
        if (st.args.length > 0) {
          error((st.args[0] as Token).pos, `${kw} takes its entries inside { ... }, not before it`);
          continue;
        }
        if (existing !== undefined && !Array.isArray(existing)) {
          error(kwTok.pos, `${kw} is used both as a setting and as a list`);
          continue;
        }
        const list: unknown[] = existing ?? [];
        if (!existing) put(obj, kw, list);
        here.mark(kwTok.pos, st.block.open.pos);
        for (const entry of st.block.body) {
          if (entry.block) {
            error(entry.block.open.pos, `an entry of ${kw} cannot open a { ... } block`);
            continue;
          }
          here.child(String(list.length)).mark(entry.keyword.pos, entry.keyword.pos);
          list.push([entry.keyword, ...entry.args].map((t) => t.value).join(' '));
        }
        continue;
      }
      // A setting: flag, number, text or command.
      if (existing !== undefined) {
        if (isMap(existing) || Array.isArray(existing)) {
          error(kwTok.pos, `${kw} is used both as a block and as a setting`);
          continue;
        }
        warn(kwTok.pos, `${kw} is set again; this value replaces the one at line ${here.key?.line}`);
        here.forget();
      }
      put(obj, kw, scalar(kw, st.args));
      here.mark(kwTok.pos, st.args[0]?.pos ?? kwTok.pos);
    }
  };

  const tree: Tree = {};
  mapBody(statements, 'top', tree, locs);
  const root: SourceLocation = statements[0]?.keyword.pos ?? { file, line: 1, col: 1 };
  const locate: KeepalivedLocator = (path, target) => {
    const found = locs.nearest(path);
    if (!found) return { ...root };
    return { ...((found.whole && target === 'value' ? found.node.value : found.node.key) as Pos) };
  };
  return { tree, locate };
}

/**
 * Where each key of the tree was written, the first time: a trie over the path's segments (as text: the index 0
 * and the key "0" are one), built beside the tree as it is mapped, each block holding its own node, so a file of
 * thousands of real servers makes no path per setting.
 */
class LocationNode {
  key: Pos | undefined;
  value: Pos | undefined;
  private children: Map<string, LocationNode> | undefined;

  child(segment: string): LocationNode {
    this.children ??= new Map();
    let next = this.children.get(segment);
    if (!next) {
      next = new LocationNode();
      this.children.set(segment, next);
    }
    return next;
  }

  /** Records where the key and its value were written, unless an earlier place was. */
  mark(key: Pos, value: Pos): this {
    if (!this.key) {
      this.key = key;
      this.value = value;
    }
    return this;
  }

  forget(): void {
    this.key = undefined;
    this.value = undefined;
  }

  /** The node of the longest non-empty prefix of `path` that has a location; `whole` when that is all of it. */
  nearest(path: readonly PathSegment[]): { node: LocationNode; whole: boolean } | undefined {
    let node: LocationNode | undefined = this;
    let found: { node: LocationNode; whole: boolean } | undefined;
    for (let k = 0; k < path.length && node; k++) {
      node = node.children?.get(String(path[k]));
      if (node?.key) found = { node, whole: k === path.length - 1 };
    }
    return found;
  }
}

/** A word as written, minus its (unescaped) double quotes: escapes stay for command.ts to decode. */
function stripQuotes(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      out += c + raw[++i];
      continue;
    }
    if (c !== '"') out += c;
  }
  return out;
}
