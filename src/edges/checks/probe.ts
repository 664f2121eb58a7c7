/** One attempt of any check type, by its spec (defaults applied here). Never rejects. */

import { type CheckSpec, type ResolvedCheckSpec, withDefaults } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import { miscProbe } from './misc.js';
import { pingProbe } from './ping.js';
import { smtpProbe } from './smtp.js';
import { tcpProbe } from './tcp.js';
import { udpProbe } from './udp.js';

/** Each spec with its defaults applied (or why it cannot be), once: a check probes with the same spec every run. */
const resolved = new WeakMap<CheckSpec, ResolvedCheckSpec | Error>();

function resolve(spec: CheckSpec): ResolvedCheckSpec | Error {
  let s = resolved.get(spec);
  if (!s) {
    try {
      s = withDefaults(spec);
    } catch (err) {
      s = err as Error;
    }
    resolved.set(spec, s);
  }
  return s;
}

export function probe(spec: CheckSpec, signal: AbortSignal = new AbortController().signal): Promise<CheckResult> {
  const s = resolve(spec);
  if (s instanceof Error) return Promise.resolve({ ok: false, reason: `bad spec: ${s.message}`, latencyMs: 0 });
  switch (s.type) {
    case 'TCP_CHECK':
      return tcpProbe(s, signal);
    case 'HTTP_GET':
    case 'SSL_GET':
      return httpProbe(s, signal);
    case 'MISC_CHECK':
      return miscProbe(s, signal);
    case 'DNS_CHECK':
      return dnsProbe(s, signal);
    case 'SMTP_CHECK':
      return smtpProbe(s, signal);
    case 'UDP_CHECK':
      return udpProbe(s, signal);
    case 'PING_CHECK':
      return pingProbe(s, signal);
  }
}
