/**
 * keepalived's reload_time_file: the first line of the file says when to reload, exactly as
 * `HH:MM:SS`, `YY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS`, each with an optional `Z` (UTC; else local time). A
 * time without a date is its next occurrence. Pure: the caller gives "now" and the time zone's offset.
 */

export type ReloadTime = { ok: true; at: number } | { ok: false; reason: string };

const FORMAT = /^(?:(\d{2}|\d{4})-(\d{2})-(\d{2}) )?(\d{2}):(\d{2}):(\d{2})(Z?)$/;

/**
 * When (ms since the epoch) the reload is due, from the file's first line. `now` is ms since the epoch;
 * `localOffsetMin(ms)` is the local time zone's offset from UTC at that instant, in minutes (as
 * `-new Date(ms).getTimezoneOffset()`).
 */
export function reloadTimeOf(text: string, now: number, localOffsetMin: (ms: number) => number): ReloadTime {
  const line = text.split('\n', 1)[0] ?? '';
  const m = FORMAT.exec(line);
  if (!m) return { ok: false, reason: `"${line}" is not HH:MM:SS, YY-MM-DD HH:MM:SS or YYYY-MM-DD HH:MM:SS` };
  const [, y, mo, d, h, mi, s, z] = m;
  const [hh, mm, ss] = [Number(h), Number(mi), Number(s)];
  if (hh > 23 || mm > 59 || ss > 59) return { ok: false, reason: `"${line}" is not a time of day` };
  const utc = z === 'Z';
  // A wall-clock time in UTC or local time → ms since the epoch.
  const toMs = (year: number, month: number, day: number) => {
    const asUtc = Date.UTC(year, month - 1, day, hh, mm, ss);
    return utc ? asUtc : asUtc - localOffsetMin(asUtc) * 60_000;
  };
  const today = new Date(utc ? now : now + localOffsetMin(now) * 60_000);
  if (y === undefined) {
    let at = toMs(today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate());
    if (at <= now) at += 24 * 3600_000;
    return { ok: true, at };
  }
  const year = y.length === 2 ? 2000 + Number(y) : Number(y);
  const [month, day] = [Number(mo), Number(d)];
  const at = toMs(year, month, day);
  const check = new Date(utc ? at : at + localOffsetMin(at) * 60_000);
  if (check.getUTCMonth() + 1 !== month || check.getUTCDate() !== day)
    return { ok: false, reason: `"${line}" is not a date` };
  return { ok: true, at };
}
