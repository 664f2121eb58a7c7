/**
 * The value schemas keywords share: keepalived booleans, numbers and seconds in range, interface names,
 * addresses, commands, weights.
 */
import * as z from 'zod';
import { addressFamily, canonicalAddress, isMulticast } from '../../codec/ip-address.js';
import { CommandSyntaxError, splitCommand } from '../command.js';
import type { NotifyScripts } from '../model.js';
import { parseUserSpec, parseWeightSpec } from '../tracking.js';
import { isValidIfName } from '../vip.js';

// A configuration is parsed once per load: zod's generated fast path (new Function per object schema) saves
// nothing measurable there, and without it vipd needs no eval.
z.config({ jitless: true });

// Keyword schemas. A message starting with "must" is completed as `<keyword> <message>, got <value>`; in any
// other message, {kw} stands for the keyword.

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** keepalived booleans: true/false, on/off, yes/no; a bare keyword (`nopreempt:` with no value) means true. */
export const flag = z
  .union(
    [
      z.boolean(),
      z.null(),
      z
        .string()
        .transform((s) => s.toLowerCase())
        .refine((s) => TRUE_WORDS.has(s) || FALSE_WORDS.has(s), { error: 'must be true or false' }),
    ],
    { error: 'must be true or false' },
  )
  .transform((v) => (v === null ? true : typeof v === 'boolean' ? v : TRUE_WORDS.has(v)));

export const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const seconds = (min: number, max: number) => {
  const error = `must be a number of seconds from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};

export const text = z.string({ error: 'must be text (put numbers in quotes)' }).min(1, { error: 'must not be empty' });

export const ifName = z
  .string({ error: 'must be an interface name' })
  .refine(isValidIfName, { error: 'must be an interface name (1–15 characters, no spaces, "/" or ":")' });

export const address = z
  .string({ error: 'must be an IPv4 or IPv6 address' })
  .refine((s) => !s.includes('%') && addressFamily(s) !== undefined, { error: 'must be an IPv4 or IPv6 address' })
  .transform((s) => canonicalAddress(s));

/** A list, or a single item written without brackets. */
export const listOf = <T extends z.ZodType>(item: T, what: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, { error: `must be a list of ${what}` }));

export const command = z
  .string({ error: 'must be a command line (text)' })
  .min(1, { error: 'must not be empty' })
  .transform((s, ctx) => {
    try {
      const argv = splitCommand(s);
      if (argv.length === 0 || argv[0] === '') {
        ctx.addIssue({ code: 'custom', message: '{kw} names no program to run' });
        return z.NEVER;
      }
      return argv;
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', message: `{kw}: ${err.message}` });
      return z.NEVER;
    }
  });

/**
 * A notify script: a command line, or keepalived's `notify_* CMD USER [GROUP]` as `{ command, user }` (the
 * keepalived reader makes that map; YAML may write it too).
 */
export const notifyCommand = z.unknown().transform((v, ctx): { argv: string[]; user?: ScriptUserSpec } => {
  const text = typeof v === 'string' ? v : isCommandWithUser(v) ? v.command : undefined;
  if (text === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a command line, or { command: CMD, user: USER [GROUP] }' });
    return z.NEVER;
  }
  const parsed = command.safeParse(text);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  }
  if (typeof v === 'string') return { argv: parsed.data };
  const user = parseUserSpec((v as { user: string }).user);
  if (!user) {
    ctx.addIssue({ code: 'custom', message: '{kw}: the user must be USER, USER GROUP or USER:GROUP' });
    return z.NEVER;
  }
  return { argv: parsed.data, user };
});

type ScriptUserSpec = NonNullable<ReturnType<typeof parseUserSpec>>;
type ParsedNotify = { argv: string[]; user?: ScriptUserSpec } | undefined;

/** The NotifyScripts of an instance or a sync group, from its parsed notify_* keywords. */
export function notifyScripts(r: {
  notify_master?: ParsedNotify;
  notify_backup?: ParsedNotify;
  notify_fault?: ParsedNotify;
  notify_stop?: ParsedNotify;
  notify?: ParsedNotify;
  notify_master_rx_lower_pri?: ParsedNotify;
  notify_deleted?: ParsedNotify | true;
}): NotifyScripts {
  const deleted = r.notify_deleted === true ? undefined : r.notify_deleted;
  const parts = {
    master: r.notify_master,
    backup: r.notify_backup,
    fault: r.notify_fault,
    stop: r.notify_stop,
    generic: r.notify,
    masterRxLowerPri: r.notify_master_rx_lower_pri,
    deleted,
  } as const;
  const out: NotifyScripts = {};
  const users: NonNullable<NotifyScripts['users']> = {};
  for (const [k, v] of Object.entries(parts) as [keyof typeof parts, ParsedNotify][]) {
    if (!v) continue;
    if (k === 'deleted') out.deleted = { argv: v.argv };
    else out[k] = v.argv;
    if (v.user) users[k] = v.user;
  }
  if (r.notify_deleted === true) out.deleted = {};
  if (Object.keys(users).length > 0) out.users = users;
  return out;
}

function isCommandWithUser(v: unknown): v is { command: string; user: string } {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.command === 'string' && typeof o.user === 'string' && Object.keys(o).length === 2;
}

/** keepalived's `garp_extra_if [all] SECONDS` (0 turns it off), 0..86400 s. */
export const garpExtraIf = z
  .union([z.number(), z.string()], { error: 'must be [all] SECONDS' })
  .transform((v, ctx): { intervalMs: number; all: boolean } => {
    const words = String(v).trim().split(/\s+/);
    const all = words[0] === 'all';
    const secs = Number(all ? words[1] : words[0]);
    if (words.length !== (all ? 2 : 1) || !Number.isInteger(secs) || secs < 0 || secs > 86400) {
      ctx.addIssue({ code: 'custom', message: 'must be [all] SECONDS, 0 to 86400' });
      return z.NEVER;
    }
    return { intervalMs: secs * 1000, all };
  });

export const version = z.union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3' });
export const garpDelay = wholeNumber(0, 4294); // keepalived: unsigned seconds up to UINT_MAX / TIMER_HZ
// vipd caps the repeats: every GARP of a block goes out in one synchronous burst.
export const garpRepeat = wholeNumber(1, 100);
export const garpLowerRepeat = wholeNumber(0, 100);
export const garpRefresh = wholeNumber(0, 86400);
/** GARP / NA pacing: seconds with µs resolution (keepalived warns from 1 s). */
export const pacing = seconds(0, 4294);

/** One keepalived line per entry: a list of text lines, or a single line. */
export const lines = (what: string) => listOf(z.string({ error: `must be text like ${what}` }), `lines like ${what}`);

/** `weight N [reverse]` of a tracker block. */
export const weightSpec = (max: number) =>
  z.unknown().transform((v, ctx) => {
    const w = parseWeightSpec(v, max);
    if (w) return w;
    ctx.addIssue({
      code: 'custom',
      message: `must be a whole number from -${max} to ${max}, optionally followed by reverse`,
    });
    return z.NEVER;
  });

/**
 * `use_vmac [NAME] [MAC]`: a flag, or the VMAC interface's name and/or its MAC address (keepalived 2.2.7: a word
 * with ':' is the MAC; five octets take the VRID as the sixth). The MAC may be neither multicast nor one of RFC 5798's
 * (00:00:5e:00:01/02:xx), as keepalived refuses them.
 */
export const vmacSpec = z
  .union([z.boolean(), z.null(), z.string()], { error: 'must be true or an interface name' })
  .transform((v, ctx): { name?: string; mac?: number[] } | false => {
    if (v === null || v === true) return {};
    if (v === false) return false;
    const word = v.toLowerCase();
    if (TRUE_WORDS.has(word)) return {};
    if (FALSE_WORDS.has(word)) return false;
    const words = v.trim().split(/\s+/);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (words.length > 2) {
      return fail(
        '{kw} takes an interface name and a MAC address at most (netlink_notify_msg and group are newer than keepalived 2.2.7)',
      );
    }
    const out: { name?: string; mac?: number[] } = {};
    for (const w of words) {
      if (w.includes(':')) {
        const octets = w.replace(/:$/, '').split(':');
        const bytes = octets.map((o) => (/^[0-9a-f]{1,2}$/i.test(o) ? Number.parseInt(o, 16) : Number.NaN));
        if (out.mac || (bytes.length !== 5 && bytes.length !== 6) || bytes.some(Number.isNaN)) {
          return fail(`{kw}: ${w} is not a MAC address (six octets, or five and the VRID as the sixth)`);
        }
        if (((bytes[0] as number) & 1) === 1) return fail(`{kw}: ${w} is a multicast MAC address`);
        const rfc =
          bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x5e && bytes[3] === 0 && (bytes[4] === 1 || bytes[4] === 2);
        if (rfc) return fail(`{kw}: ${w} is RFC 5798's own VMAC range: leave the MAC out to use it`);
        out.mac = bytes;
      } else {
        if (out.name !== undefined || !isValidIfName(w)) {
          return fail(
            'must be true or an interface name (1–15 characters, no spaces, "/" or ":") and/or a MAC address',
          );
        }
        out.name = w;
      }
    }
    return out;
  });

/** use_ipvlan's flags (the ipvlan is in L2 mode; these are its IFLA_IPVLAN_FLAGS). */
export const IPVLAN_FLAGS = ['bridge', 'private', 'vepa'] as const;
export type IpvlanFlags = (typeof IPVLAN_FLAGS)[number];

/** `use_ipvlan [NAME] [ADDRESS/PREFIX] [bridge|private|vepa]`, in any order (keepalived 2.2.7). */
export const ipvlanSpec = z
  .union([z.boolean(), z.null(), z.string()], {
    error: 'must be true or "[NAME] [ADDRESS/PREFIX] [bridge|private|vepa]"',
  })
  .transform(
    (v, ctx): { name?: string; address?: { address: string; prefix: number }; flags?: IpvlanFlags } | false => {
      if (v === null || v === true) return {};
      if (v === false) return false;
      if (TRUE_WORDS.has(v.toLowerCase())) return {};
      if (FALSE_WORDS.has(v.toLowerCase())) return false;
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      const out: { name?: string; address?: { address: string; prefix: number }; flags?: IpvlanFlags } = {};
      for (const w of v.trim().split(/\s+/)) {
        if ((IPVLAN_FLAGS as readonly string[]).includes(w)) {
          if (out.flags) return fail(`{kw}: the ipvlan type is given twice (${out.flags}, ${w})`);
          out.flags = w as IpvlanFlags;
          continue;
        }
        const [text = '', prefixText] = w.split('/');
        const family = addressFamily(text);
        if (family) {
          const max = family === 4 ? 32 : 128;
          const prefix = prefixText === undefined ? max : Number(prefixText);
          if (!Number.isInteger(prefix) || prefix < 1 || prefix > max) {
            return fail(`{kw}: ${w} has no valid prefix length (1–${max})`);
          }
          if (out.address) return fail(`{kw}: the ipvlan address is given twice (${out.address.address}, ${w})`);
          out.address = { address: canonicalAddress(text), prefix };
          continue;
        }
        if (out.name !== undefined || !isValidIfName(w)) {
          return fail(`{kw}: "${w}" is not an interface name, an ADDRESS/PREFIX or bridge, private, vepa`);
        }
        out.name = w;
      }
      return out;
    },
  );

export const scriptSeconds = seconds(0.001, 4294);

/** Tracker entries: keepalived lines, or `{ NAME: { weight, reverse } }` maps (checked by parseTrackEntry). */
export const trackEntries = listOf(z.unknown(), 'lines like "eth1 weight -2" or maps like { eth1: { weight: -2 } }');

export const userSpec = z
  .string({ error: 'must be USER, USER GROUP or USER:GROUP' })
  .refine((s) => parseUserSpec(s) !== undefined, { error: 'must be USER, USER GROUP or USER:GROUP' });

/** `notify_deleted [CMD]`: bare, or a command like the other notifies. */
export const notifyDeleted = z.union([z.literal(true), notifyCommand]);

const UMASK_BITS: Readonly<Record<string, number>> = {
  IRUSR: 0o400,
  IWUSR: 0o200,
  IXUSR: 0o100,
  IRGRP: 0o40,
  IWGRP: 0o20,
  IXGRP: 0o10,
  IROTH: 0o4,
  IWOTH: 0o2,
  IXOTH: 0o1,
};

/** keepalived's `umask`: a number (0x hex, 0 octal, else decimal) or bits like IWGRP|IWOTH. */
export const umask = z.union([z.number(), z.string()], { error: 'must be a umask' }).transform((v, ctx) => {
  const text = String(v).trim();
  let value: number | undefined;
  if (/^0x[0-9a-f]+$/i.test(text)) value = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) value = Number.parseInt(text, 8);
  else if (/^[1-9]\d*$/.test(text)) value = Number(text);
  else if (/^[A-Z|\s]+$/.test(text)) {
    value = 0;
    for (const bit of text.split('|').map((b) => b.trim())) {
      const b = UMASK_BITS[bit];
      if (b === undefined) {
        ctx.addIssue({ code: 'custom', message: `{kw}: ${bit} is not one of ${Object.keys(UMASK_BITS).join(' ')}` });
        return z.NEVER;
      }
      value |= b;
    }
  }
  if (value === undefined || value > 0o777) {
    ctx.addIssue({
      code: 'custom',
      message: '{kw} must be a number up to 0777 (0x.., 0.. octal) or bits like IWGRP|IWOTH',
    });
    return z.NEVER;
  }
  return value;
});

/** A multicast group address (vrrp_mcast_group4/6, mcast_dst_ip). */
export const multicastAddress = z
  .string({ error: 'must be a multicast address' })
  .refine((s) => !s.includes('%') && addressFamily(s) !== undefined && isMulticast(canonicalAddress(s)), {
    error: 'must be a multicast address (224.0.0.0/4, ff00::/8)',
  })
  .transform((s) => canonicalAddress(s));

/** A file's absolute path (the dump files). */
export const absolutePath = z
  .string({ error: 'must be an absolute file path' })
  .refine((s) => s.startsWith('/') && !s.endsWith('/'), { error: 'must be an absolute file path' });

/** CPU numbers: `0 2 4`, ranges `0-3` too (a single number reads as a number). */
export const cpuList = z
  .union([z.number(), z.string()], { error: 'must be CPU numbers like 0 1 or 0-3' })
  .transform((v, ctx) => {
    const cpus = new Set<number>();
    for (const word of String(v)
      .split(/[\s,]+/)
      .filter(Boolean)) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(word);
      const lo = Number(m?.[1]);
      const hi = Number(m?.[2] ?? m?.[1]);
      if (!m || hi < lo || hi >= 1024) {
        ctx.addIssue({ code: 'custom', message: `{kw}: "${word}" is not a CPU number or range (0-1023)` });
        return z.NEVER;
      }
      for (let c = lo; c <= hi; c++) cpus.add(c);
    }
    if (cpus.size === 0) {
      ctx.addIssue({ code: 'custom', message: '{kw} names no CPU' });
      return z.NEVER;
    }
    return [...cpus].sort((a, b) => a - b);
  });

/** Seconds → milliseconds, keeping keepalived's µs resolution. */
export function toMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}
