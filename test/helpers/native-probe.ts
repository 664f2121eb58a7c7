/**
 * A small program that exercises the native addon from inside a network namespace (a socket belongs to the
 * namespace of the process that opens it). Tests start it with `lab.spawn(host, process.execPath,
 * ['--import', 'tsx', 'test/helpers/native-probe.ts', <command>, ...flags])` and read one JSON object per
 * stdout line. Every command is bounded in time; the whole program exits after HARD_LIMIT_MS at the latest.
 *
 * Commands:
 *   listen   --family 4|6 --ifname eth0 [--multicast] [--count N] [--ms 5000] [--throw-first]
 *            prints {event:'ready'}, then {event:'packet', ...} per packet; exits after N packets or ms.
 *            --throw-first: the listener throws on the first packet ({event:'uncaught'} is printed)
 *   send     --family 4|6 --ifname eth0 --dst ADDR --hex PAYLOAD [--src ADDR] [--ttl 255] [--multicast]
 *            [--repeat 1] [--listen-ms 0]   sends (back to back), prints {event:'sent'}, then any packet its own socket receives
 *   frame    --ifname eth0 --hex FRAME        sends one Ethernet frame on a PacketSocket
 *   batch    --ifname eth0 --dst ADDR --src OWN   inside one batch, three sends with `done` (the second from a source
 *            that is not local, so the kernel refuses it); prints {event:'outcome', i, code} for each at the flush
 *   errors   prints {event:'error', case, name, code, errno, syscall, message} for each failure case
 *   lifetime --mode closed|open|unref|armed   opens handles and lets the process end by itself
 *   timer-bench [--count 200]   arms 1–10 ms timers one after another, prints the lateness in ms
 */
import { parseArgs } from 'node:util';
import type { ReceivedPacket } from '../../src/core/ports.js';
import { openFrameSocket } from '../../src/edges/frame-socket.js';
import { createTimer, monotonicNow } from '../../src/edges/hr-timer.js';
import { native } from '../../src/edges/native.js';
import { openRawSocket } from '../../src/edges/raw-socket.js';
import { openVrrpSocket } from '../../src/edges/vrrp-socket.js';

const HARD_LIMIT_MS = 20_000;

function out(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function packetLine(p: ReceivedPacket): Record<string, unknown> {
  return {
    event: 'packet',
    family: p.family,
    src: p.src,
    dst: p.dst,
    ttl: p.ttl,
    ifindex: p.ifindex,
    at: p.at,
    hex: p.data.toString('hex'),
  };
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    family: { type: 'string', default: '4' },
    ifname: { type: 'string', default: 'eth0' },
    multicast: { type: 'boolean', default: false },
    count: { type: 'string' },
    ms: { type: 'string', default: '5000' },
    dst: { type: 'string' },
    src: { type: 'string' },
    ttl: { type: 'string', default: '255' },
    hex: { type: 'string', default: '' },
    'listen-ms': { type: 'string', default: '0' },
    mode: { type: 'string', default: 'closed' },
    repeat: { type: 'string', default: '1' },
    'throw-first': { type: 'boolean', default: false },
  },
});

const family = Number(values.family) === 6 ? 6 : 4;
const ifname = values.ifname;

const hardLimit = setTimeout(() => {
  out({ event: 'hard-limit' });
  process.exit(3);
}, HARD_LIMIT_MS);
hardLimit.unref();

function listen(): void {
  const limit = Math.min(Number(values.count ?? 1_000), 1_000);
  const ms = Math.min(Number(values.ms), HARD_LIMIT_MS - 1_000);
  let seen = 0;
  if (values['throw-first']) {
    process.on('uncaughtException', (err) => out({ event: 'uncaught', message: err.message }));
  }
  const port = openVrrpSocket(
    { family, ifname, ifindex: native.interfaceIndex(ifname), multicast: values.multicast },
    monotonicNow,
  );
  port.onPacket((p) => {
    out(packetLine(p));
    seen += 1;
    if (seen === 1 && values['throw-first']) throw new Error('listener failed');
    if (seen >= limit) {
      port.close();
      setImmediate(() => process.exit(0)); // after an exception thrown earlier in the batch has surfaced
    }
  });
  setTimeout(() => {
    port.close();
    out({ event: 'done', seen });
    process.exit(0);
  }, ms);
  out({ event: 'ready', ifindex: native.interfaceIndex(ifname) });
}

function send(): void {
  const ifindex = native.interfaceIndex(ifname);
  const port = openVrrpSocket({ family, ifname, ifindex, multicast: values.multicast }, monotonicNow);
  const own: ReceivedPacket[] = [];
  port.onPacket((p) => own.push(p));
  for (let i = 0; i < Math.min(Number(values.repeat), 100); i++) {
    port.send(Buffer.from(values.hex, 'hex'), values.dst ?? '', {
      ...(values.src ? { src: values.src } : {}),
      ttl: Number(values.ttl),
    });
  }
  out({ event: 'sent', ifindex, at: monotonicNow() });
  setTimeout(
    () => {
      for (const p of own) out({ ...packetLine(p), own: true });
      port.close();
      out({ event: 'done' });
    },
    Math.min(Number(values['listen-ms']), 5_000),
  );
}

function batch(): void {
  const ifindex = native.interfaceIndex(ifname);
  let inBatch = false;
  const hooks: (() => void)[] = [];
  const batches = {
    get inBatch() {
      return inBatch;
    },
    afterBatch: (hook: () => void) => {
      hooks.push(hook);
      return () => undefined;
    },
  };
  const port = openVrrpSocket({ family, ifname, ifindex, multicast: false }, monotonicNow, batches);
  const sources = [values.src, '198.51.100.1', values.src];
  inBatch = true;
  sources.forEach((src, i) => {
    port.send(Buffer.from([0x31, i, 0, 0]), values.dst ?? '', {
      ...(src ? { src } : {}),
      done: (err) => out({ event: 'outcome', i, code: (err as { code?: string } | undefined)?.code ?? null }),
    });
  });
  out({ event: 'queued' }); // nothing has left yet
  inBatch = false;
  for (const hook of hooks) hook();
  port.close();
  out({ event: 'done' });
}

function frame(): void {
  const port = openFrameSocket(native.interfaceIndex(ifname));
  port.send(Buffer.from(values.hex, 'hex'));
  port.close();
  out({ event: 'sent' });
}

function errors(): void {
  const report = (name: string, fn: () => void): void => {
    try {
      fn();
      out({ event: 'no-error', case: name });
    } catch (e) {
      const err = e as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
      out({
        event: 'error',
        case: name,
        name: err.name,
        code: err.code,
        errno: err.errno,
        syscall: err.syscall,
        message: err.message,
        isError: e instanceof Error,
      });
    }
  };
  const noop = (): void => {};
  report('interfaceIndex', () => native.interfaceIndex('nosuchdev0'));
  report('bindDevice', () => {
    const s = openRawSocket(4, noop);
    try {
      s.bindDevice('nosuchdev0');
    } finally {
      s.close();
    }
  });
  for (const [fam, group] of [
    [4, '224.0.0.18'],
    [6, 'ff02::12'],
  ] as const) {
    report(`joinGroup${fam}`, () => {
      const s = openRawSocket(fam, noop);
      try {
        s.joinGroup(group, 999_999);
      } finally {
        s.close();
      }
    });
  }
  report('joinGroupBadText', () => {
    const s = openRawSocket(4, noop);
    try {
      s.joinGroup('not-an-address', 1);
    } finally {
      s.close();
    }
  });
  report('sendForeignSrc', () => {
    const s = openRawSocket(4, noop);
    try {
      s.send(Buffer.alloc(8), '192.0.2.12', native.interfaceIndex('eth0'), '198.51.100.1', 255);
    } finally {
      s.close();
    }
  });
  report('sendAfterClose', () => {
    const s = openRawSocket(6, noop);
    s.close();
    s.close(); // idempotent
    s.send(Buffer.alloc(8), 'ff02::12', 1, null, 255);
  });
  report('badFamily', () => openRawSocket(5 as 4, noop));
  report('receiveBuffersWrongType', () => {
    const received = { data: Buffer.alloc(64), meta: new Uint8Array(32), addresses: Buffer.alloc(32) };
    return new native.VrrpSocket(4, received as never, noop);
  });
  report('receiveBuffersNoSlot', () => {
    const received = { data: Buffer.alloc(64), meta: new Float64Array(3), addresses: Buffer.alloc(32) };
    return new native.VrrpSocket(4, received, noop);
  });
  // Numbers the addon casts to int are range-checked there: NaN, fractions and huge values never reach a cast.
  for (const [name, ifindex, ttl] of [
    ['sendNaNIfindex', Number.NaN, 255],
    ['sendHugeIfindex', 2 ** 40, 255],
    ['sendFractionTtl', 1, 1.5],
    ['sendTtl256', 1, 256],
    ['sendTtl0', 1, 0], // the daemon's send-path warm-up counts on this refusal
  ] as const) {
    report(name, () => {
      const s = openRawSocket(4, noop);
      try {
        s.send(Buffer.alloc(8), '224.0.0.18', ifindex, null, ttl);
      } finally {
        s.close();
      }
    });
  }
  report('packetSocketNegativeIfindex', () => new native.PacketSocket(-1));
  // With CAP_SYS_RAWIO the kernel would pad and send it: the addon refuses it first (and the warm-up counts on it).
  report('packetSocketShortFrame', () => {
    const s = new native.PacketSocket(native.interfaceIndex(ifname));
    try {
      s.send(Buffer.alloc(13));
    } finally {
      s.close();
    }
  });
  report('packetSocketBadIfindex', () => new native.PacketSocket(999_999));
  report('openVrrpSocketBadDevice', () =>
    openVrrpSocket({ family: 4, ifname: 'nosuchdev0', ifindex: 1, multicast: true }, monotonicNow),
  );
  report('timerAfterClose', () => {
    const t = createTimer(noop);
    t.close();
    t.armAt(monotonicNow() + 1);
  });
  out({ event: 'done' });
}

/** Opens handles and then lets the event loop run dry: the test checks whether the process exits by itself. */
function lifetime(): void {
  const mode = values.mode;
  const ifindex = native.interfaceIndex(ifname);
  const v4 = openVrrpSocket({ family: 4, ifname, ifindex, multicast: true }, monotonicNow);
  const v6 = openVrrpSocket({ family: 6, ifname, ifindex, multicast: true }, monotonicNow);
  const frames = openFrameSocket(ifindex);
  const idle = createTimer(() => out({ event: 'idle-fired' })); // never armed, never closed
  const disarmed = createTimer(() => out({ event: 'disarmed-fired' })); // armed, disarmed, never closed
  disarmed.armAt(monotonicNow() + 50);
  disarmed.disarm();
  const once = createTimer(() => {
    out({ event: 'once-fired' });
    once.close();
  });
  once.armAt(monotonicNow() + 5);
  void idle;
  frames.close();
  if (mode === 'open') {
    out({ event: 'left-open' }); // v4 stays open: the process must not exit
  } else if (mode === 'unref') {
    const raw = openRawSocket(4, () => {});
    raw.bindDevice(ifname);
    raw.unref();
    v4.close();
    v6.close();
    out({ event: 'unrefed' });
    return;
  } else {
    v4.close();
  }
  v6.close();
  if (mode === 'armed') {
    const armedAt = monotonicNow() + 500;
    const armed = createTimer(() => out({ event: 'armed-fired', late: monotonicNow() - armedAt }));
    armed.armAt(armedAt);
  }
  out({ event: 'closed', mode });
}

function timerBench(): void {
  const count = Math.min(Number(values.count ?? 200), 2_000);
  const lateness: number[] = [];
  let deadline = 0;
  let i = 0;
  const timer = createTimer(() => {
    lateness.push(monotonicNow() - deadline);
    i += 1;
    if (i >= count) {
      timer.close();
      const sorted = [...lateness].sort((a, b) => a - b);
      const q = (f: number): number => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? NaN;
      out({
        event: 'bench',
        count,
        min: sorted[0],
        median: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: sorted[sorted.length - 1],
        lateness,
      });
      return;
    }
    arm();
  });
  const arm = (): void => {
    deadline = monotonicNow() + 1 + ((i * 7) % 10) * 1 + (i % 3) * 0.25; // 1–10 ms, sub-ms parts
    timer.armAt(deadline);
  };
  arm();
}

const commands: Record<string, () => void> = {
  listen,
  send,
  batch,
  frame,
  errors,
  lifetime,
  'timer-bench': timerBench,
};
const command = commands[positionals[0] ?? ''];
if (!command) {
  out({ event: 'usage', message: `unknown command ${positionals[0]}` });
  process.exit(2);
}
try {
  command();
} catch (e) {
  const err = e as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  out({ event: 'fatal', code: err.code, errno: err.errno, syscall: err.syscall, message: err.message });
  process.exit(1);
}
