/**
 * SMTP_CHECK: connect, read a 2xx banner, send HELO and expect 250, then QUIT; all within connect_timeout
 * (one deadline, as the HTTP probe has). Replies may span several lines ("250-..." continues, "250 " ends).
 */
import type { ResolvedSmtpCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { attempt } from './attempt.js';
import { badEndpoint, netReason } from './reasons.js';
import { connectTcp } from './socket.js';

/** Bound on one SMTP reply (a banner is one line; multi-line EHLO answers are never asked for). */
const MAX_REPLY_BYTES = 16 * 1024;

export function smtpProbe(o: ResolvedSmtpCheck, signal?: AbortSignal): Promise<CheckResult> {
  const bad = badEndpoint(o);
  if (bad) return Promise.resolve({ ok: false, reason: bad, latencyMs: 0 });
  return attempt({ timeoutMs: o.connectTimeoutMs, signal }, (finish) => {
    let stage: 'banner' | 'helo' = 'banner';
    let buffered = '';
    let greeted = false;
    const bound = o.bindto !== undefined || o.bindPort !== undefined;
    let sock: ReturnType<typeof connectTcp>;
    try {
      sock = connectTcp(o);
    } catch (err) {
      finish(false, netReason(err, bound));
      return undefined;
    }
    sock.on('error', (err) => finish(false, netReason(err, bound)));
    sock.on('end', () => finish(false, `closed during ${stage}`));
    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REPLY_BYTES) return finish(false, `${stage} reply too long`);
      const code = completeReply(buffered);
      if (code === undefined) return;
      buffered = '';
      if (stage === 'banner') {
        if (code < 200 || code > 299) return finish(false, `banner ${code}`);
        stage = 'helo';
        sock.write(`HELO ${o.heloName}\r\n`);
      } else {
        greeted = code === 250;
        finish(greeted, greeted ? 'ok' : `helo ${code}`);
      }
    });
    return () => {
      if (greeted) sock.end('QUIT\r\n');
      sock.destroy();
    };
  });
}

/** The code of a complete (possibly multi-line) reply, or undefined while its last line has not arrived. */
export function completeReply(text: string): number | undefined {
  const lines = text.split('\r\n');
  lines.pop(); // the part after the last CRLF: incomplete
  for (const line of lines) {
    const m = /^(\d{3})([ -]?)/.exec(line);
    if (!m) return -1;
    if (m[2] !== '-') return Number(m[1]);
  }
  return undefined;
}
