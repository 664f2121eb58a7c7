/**
 * bfdd's control socket codec (FRR 8.4's bfdctl.h): the NOTIFY request byte for byte, frames split across reads,
 * what bfdd would never send refused, its status notifications read, and which track_bfd names are up.
 */
import { describe, expect, it } from 'vitest';
import {
  BFD_MSG,
  BfdFrameReader,
  type BfdSession,
  encodeNotifyRequest,
  parseSession,
  sessionKey,
  trackedUp,
} from '../../src/core/bfd/control.js';
import { canonicalAddress } from '../../src/core/codec/ip-address.js';

/** A frame as bfdd writes one: header (length BE, id, type, version 1), then the JSON text. */
const frame = (type: number, json: unknown, id = 0) => {
  const body = Buffer.from(JSON.stringify(json));
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.writeUInt16BE(id, 4);
  head.writeUInt8(type, 6);
  head.writeUInt8(1, 7);
  return Buffer.concat([head, body]);
};

/** What bfdd 8.4.4's config_notify writes for a single-hop session with a label. */
const STATUS = {
  op: 'status',
  ipv6: false,
  multihop: false,
  'peer-address': '192.0.2.11',
  'local-address': '192.0.2.12',
  'local-interface': 'eth0',
  label: 'up1',
  id: 1427194721,
  'remote-id': 1427194721,
  state: 'down',
  downtime: 0,
  diagnostics: 1,
  'remote-diagnostics': 0,
};

describe('bfdd control socket', () => {
  it('asks for every session state: header (length 8, id, NOTIFY, version 1), then the flags as a host u64', () => {
    expect(encodeNotifyRequest(0x0102).toString('hex')).toBe('00000008010204010100000000000000');
  });

  it('reads frames split anywhere and several in one read; the response to the request is a frame too', () => {
    const bytes = Buffer.concat([frame(BFD_MSG.response, { status: 'ok' }, 1), frame(BFD_MSG.notify, STATUS)]);
    for (const cut of [1, 7, 8, 9, 20, bytes.length - 1]) {
      const reader = new BfdFrameReader();
      const a = reader.push(bytes.subarray(0, cut));
      const b = reader.push(bytes.subarray(cut));
      const frames = [...a.frames, ...b.frames];
      expect(frames.map((f) => [f.type, f.id])).toEqual([
        [BFD_MSG.response, 1],
        [BFD_MSG.notify, 0],
      ]);
      expect(JSON.parse(frames[1]?.payload.toString() ?? '')).toEqual(STATUS);
    }
  });

  it("refuses a stream that is not bfdd's: another version, an absurd length", () => {
    const bad = frame(BFD_MSG.notify, STATUS);
    bad.writeUInt8(2, 7);
    expect(new BfdFrameReader().push(bad).error).toBe('version 2, not 1');
    const huge = frame(BFD_MSG.notify, {});
    huge.writeUInt32BE(1 << 30, 0);
    expect(new BfdFrameReader().push(huge).error).toBe('a 1073741824-byte message');
  });

  it('reads a status notification, and a `show bfd peers json` entry the same', () => {
    expect(parseSession(STATUS)).toEqual({
      ok: true,
      session: {
        peer: '192.0.2.11',
        local: '192.0.2.12',
        ifname: 'eth0',
        label: 'up1',
        multihop: false,
        state: 'down',
      },
    });
    expect(parseSession({ peer: '2001:db8::1', status: 'up', multihop: true, local: '2001:db8::2' })).toMatchObject({
      ok: true,
      session: { peer: '2001:db8::1', multihop: true, state: 'up' },
    });
    expect(parseSession({ state: 'up' })).toEqual({ ok: false, reason: 'no peer address' });
    expect(parseSession({ 'peer-address': '192.0.2.1', state: 'sideways' })).toEqual({
      ok: false,
      reason: 'state sideways',
    });
    expect(parseSession('text')).toEqual({ ok: false, reason: 'not an object' });
  });

  it('a tracked name is up while every session it names (label or peer) is up, and some does', () => {
    const s = (peer: string, state: BfdSession['state'], label?: string, ifname?: string): BfdSession => ({
      peer,
      label,
      ifname,
      multihop: false,
      state,
    });
    const sessions = [
      s('192.0.2.11', 'up', 'up1'),
      s('2001:db8::1', 'up', undefined, 'eth0'),
      s('2001:db8::1', 'down', undefined, 'eth1'),
    ];
    expect(new Set(sessions.map(sessionKey)).size).toBe(3);
    expect(trackedUp('up1', sessions, canonicalAddress)).toBe(true);
    expect(trackedUp('192.0.2.11', sessions, canonicalAddress)).toBe(true);
    expect(trackedUp('2001:db8::1', sessions, canonicalAddress)).toBe(false);
    expect(trackedUp('nobody', sessions, canonicalAddress)).toBe(false);
  });
});
