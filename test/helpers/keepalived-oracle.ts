/**
 * keepalived 2.2.7 as the oracle for a configuration file: `keepalived -t` (config test) run in a namespace of
 * its own that holds every interface the file names, so keepalived judges the file and not this machine's
 * interfaces. Used by scripts/corpus-keepalived.ts (which records the verdicts) and the corpus lab test (which
 * checks the record still holds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface KeepalivedMessage {
  /** The line keepalived names, when it names one. */
  line?: number;
  text: string;
}

export interface KeepalivedConfigTest {
  /** keepalived's exit code: 0 clean, 2 a fatal error (it would not start), 5 errors reported, 6 security. */
  exit: number;
  messages: KeepalivedMessage[];
}

/**
 * What keepalived says when it cannot use what is written (it then skips the line or the value, or stops): the
 * file has a configuration error. Its other messages give a meaning to an odd but meaningful input (state SLAVE,
 * no VIP, an auth_pass too long) or are about this machine (no keepalived_script user, a script not installed).
 */
const ERROR_MESSAGES: readonly RegExp[] = [
  /invalid number/,
  /not valid/,
  /parsed invalid IP/,
  /Invalid address prefix/,
  /Unknown keyword/,
  /Unexpected '[{}]'/,
  /unknown authentication type/,
  /outside range/,
  /' is invalid/,
  /is missing a parameter/,
  /requires interface name/,
  /too long - ignoring/,
  /Unknown interface/,
  /must be set/,
  /has extra parameters/,
  /tracked interface .* doesn't exist/,
  /must be in \[/,
  /Config files missing/,
  /name missing/,
];

/**
 * Messages of the error kind that keepalived's own interpretation makes harmless, so it accepts the file: a
 * keyword it knows elsewhere or knew once, skipped where it stands; a GARP/NA pacing of 0, skipped, whose default
 * is that same 0.
 */
const LENIENT_MESSAGES: readonly RegExp[] = [
  /Unknown keyword '(nb_get_retry|nat_mask|lvs_id|garp_master_delay|garp_master_repeat|garp_master_refresh|vrrp_garp_master_delay)'/,
  /^number '0' outside range \[0\.000001, 4294\.967295\]$/,
  /^vrrp_g(arp|na)_interval '0' is invalid$/,
];

export const isKeepalivedError = (m: KeepalivedMessage): boolean =>
  ERROR_MESSAGES.some((re) => re.test(m.text)) && !LENIENT_MESSAGES.some((re) => re.test(m.text));

/** keepalived's verdict: it rejects a file that makes it stop (exit 2) or that it reports an error in. */
export const keepalivedAccepts = (t: KeepalivedConfigTest): boolean =>
  t.exit !== 2 && !t.messages.some(isKeepalivedError);

/** Interface names a keepalived.conf uses (interface, dev, track_interface entries, lvs_sync_daemon). */
export function interfacesOf(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*(?:interface|lvs_sync_daemon_interface|lvs_sync_daemon)\s+([A-Za-z0-9_.-]+)/gm)) {
    names.add(m[1] as string);
  }
  for (const m of text.matchAll(/\bdev\s+([A-Za-z0-9_.-]+)/g)) names.add(m[1] as string);
  for (const block of text.matchAll(/track_interface\s*\{([^}]*)\}/g)) {
    for (const m of (block[1] as string).matchAll(/^\s*([A-Za-z0-9_.-]+)/gm)) names.add(m[1] as string);
  }
  return [...names].filter((n) => n !== 'lo' && n.length <= 15);
}

let counter = 0;

/** Runs `keepalived -t -f FILE` in a fresh namespace with the file's interfaces (veth pairs, up, addressed). */
export function keepalivedConfigTest(file: string): KeepalivedConfigTest {
  counter += 1;
  const ns = `vipd-ka-${process.pid}-${counter}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    interfacesOf(readFileSync(file, 'utf8')).forEach((name, i) => {
      try {
        ip('-n', ns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', `kap${i}`);
      } catch {
        return; // a name the kernel refuses: keepalived will say so
      }
      ip('-n', ns, 'addr', 'add', `10.255.${i}.1/24`, 'dev', name);
      ip('-n', ns, 'link', 'set', name, 'up');
      ip('-n', ns, 'link', 'set', `kap${i}`, 'up');
    });
    const abs = path.resolve(file);
    const run = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-l', '-f', abs], {
      cwd: path.dirname(abs),
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (run.error) throw run.error;
    return { exit: run.status ?? -1, messages: parseMessages(`${run.stdout}${run.stderr}`, abs) };
  } finally {
    ip('netns', 'del', ns);
  }
}

/** keepalived prints `(FILE: Line N) text` or `(Line N) text` or bare text; some lines come twice. */
function parseMessages(out: string, file: string): KeepalivedMessage[] {
  const seen = new Set<string>();
  const messages: KeepalivedMessage[] = [];
  for (const raw of out.split('\n')) {
    const text0 = raw.trim();
    if (!text0) continue;
    const m = /^\((?:(.*?): )?Line (\d+)\) (.*)$/.exec(text0);
    const msg: KeepalivedMessage = m ? { line: Number(m[2]), text: m[3] as string } : { text: text0 };
    if (m?.[1] && m[1] !== file) msg.text = `${path.basename(m[1])}: ${msg.text}`;
    const key = `${msg.line ?? ''}|${msg.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    messages.push(msg);
  }
  return messages;
}
