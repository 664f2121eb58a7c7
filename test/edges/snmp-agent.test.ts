/**
 * The AgentX subagent against a stand-in master on a Unix socket: the session it opens and the subtrees it
 * registers, a GetNext answered from the view, a Set refused, a notification sent before the session was open
 * delivered once it is, and a view that throws answered with an error instead of taking vipd down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { decodePdu, oid, PDU, TYPE, type VarBind } from '../../src/core/snmp/agentx.js';
import { startSnmpAgent } from '../../src/edges/snmp-agent.js';

/** A master's request, big-endian: header then payload. */
function masterPdu(type: number, session: number, packet: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt8(0x10, 2);
  h.writeUInt32BE(session, 4);
  h.writeUInt32BE(packet, 12);
  h.writeUInt32BE(payload.length, 16);
  return Buffer.concat([h, payload]);
}

/** A Response to the subagent's packet (sysUpTime, error 0, index 0). */
const reply = (session: number, packet: number) => masterPdu(PDU.response, session, packet, Buffer.alloc(8));

const oidBytes = (o: readonly number[]) => {
  const b = Buffer.alloc(4 + 4 * o.length);
  b.writeUInt8(o.length, 0);
  o.forEach((s, i) => {
    b.writeUInt32BE(s, 4 + 4 * i);
  });
  return b;
};

interface Received {
  type: number;
  packet: number;
  raw: Buffer;
}

/** A stand-in master: records every PDU, answers Open with session 42 and every Register and Notify with success. */
function master(dir: string) {
  const socketPath = path.join(dir, 'master');
  const got: Received[] = [];
  let conn: net.Socket | undefined;
  const server = net.createServer((c) => {
    conn = c;
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 20 && buf.length >= 20 + buf.readUInt32BE(16)) {
        const len = 20 + buf.readUInt32BE(16);
        const raw = buf.subarray(0, len);
        buf = buf.subarray(len);
        const r = { type: raw.readUInt8(1), packet: raw.readUInt32BE(12), raw };
        got.push(r);
        if (r.type === PDU.open || r.type === PDU.register || r.type === PDU.notify) c.write(reply(42, r.packet));
      }
    });
  });
  server.listen(socketPath);
  return { socketPath, got, server, send: (b: Buffer) => conn?.write(b) };
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no ${what} within 2 s`);
}

describe('AgentX subagent', () => {
  let dir: string;
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens, registers, answers, refuses a Set, delivers an early notification, survives a throwing view', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vipd-agentx-'));
    const m = master(dir);
    cleanups.push(() => m.server.close());
    const view: VarBind[] = [{ oid: oid('1.3.6.1.2.1.207.1.2.1.0'), type: TYPE.counter64, value: 5n }];
    let broken = false;
    const agent = startSnmpAgent({
      socket: `unix:${m.socketPath}`,
      subtrees: [oid('1.3.6.1.2.1.207')],
      view: () => {
        if (broken) throw new Error('a bug in the view');
        return view;
      },
      log: pino({ level: 'silent' }),
    });
    cleanups.push(() => agent.close());
    // Before the session is open: kept, and sent once it is.
    agent.notify([{ oid: oid('1.3.6.1.6.3.1.1.4.1.0'), type: TYPE.oid, value: oid('1.3.6.1.2.1.207.0.1') }]);
    await until(() => m.got.find((r) => r.type === PDU.notify), 'notification');
    expect(m.got.map((r) => r.type)).toEqual([PDU.open, PDU.register, PDU.notify]);
    expect(m.got[2]?.raw.readUInt32BE(4)).toBe(42); // the session the master gave

    const responses = () => m.got.filter((r) => r.type === PDU.response);
    m.send(masterPdu(PDU.getNext, 42, 100, Buffer.concat([oidBytes([1, 3, 6, 1, 2, 1, 207]), oidBytes([])])));
    const answer = await until(() => responses()[0], 'GetNext answer');
    const decoded = answer.raw;
    expect(decoded.readUInt32BE(12)).toBe(100);
    expect(decoded.readUInt16BE(24)).toBe(0); // no error
    expect(decoded.subarray(28, 32).toString('hex')).toBe('0046' + '0000'); // Counter64
    expect(decoded.readBigUInt64BE(decoded.length - 8)).toBe(5n);

    m.send(masterPdu(PDU.testSet, 42, 101, Buffer.alloc(0)));
    const refused = await until(() => responses()[1], 'TestSet answer');
    expect(refused.raw.readUInt16BE(24)).toBe(17); // notWritable

    broken = true;
    m.send(masterPdu(PDU.get, 42, 102, Buffer.concat([oidBytes([1, 3, 6, 1, 2, 1, 207, 1]), oidBytes([])])));
    const failed = await until(() => responses()[2], 'answer from a broken view');
    expect(failed.raw.readUInt16BE(24)).toBe(268); // processingError
    expect(decodePdu(failed.raw)?.ok).toBe(true);
  });
});
