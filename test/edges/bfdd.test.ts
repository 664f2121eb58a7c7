/**
 * The bfdd watcher against a stand-in bfdd on a unix socket (the protocol of FRR 8.4's control.c): it subscribes
 * with one NOTIFY, hears each session at once and at every change, counts every session down while bfdd is away,
 * and connects again when bfdd is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BfdSession } from '../../src/core/bfd/control.js';
import { watchBfdSessions } from '../../src/edges/bfdd.js';
import { waitFor } from '../helpers/netns.js';

const status = (state: string) => {
  const body = Buffer.from(
    JSON.stringify({ op: 'status', multihop: false, 'peer-address': '192.0.2.11', label: 'up1', state }),
  );
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.writeUInt8(4, 6);
  head.writeUInt8(1, 7);
  return Buffer.concat([head, body]);
};

/** A bfdd that answers a NOTIFY request with the session's state, and lets the test push changes. */
function fakeBfdd(socketPath: string) {
  const clients = new Set<net.Socket>();
  const requests: Buffer[] = [];
  const server = net.createServer((c) => {
    clients.add(c);
    c.on('close', () => clients.delete(c));
    c.on('data', (d) => {
      requests.push(d);
      c.write(status('up'));
    });
  });
  return {
    listening: new Promise<void>((resolve) => server.listen(socketPath, resolve)),
    requests,
    push: (state: string) => {
      for (const c of clients) c.write(status(state));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('bfdd watcher', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('subscribes, hears every change as bfdd pushes it, and counts the sessions down while bfdd is away', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-bfdd-'));
    dirs.push(dir);
    const socketPath = path.join(dir, 'bfdd.sock');
    let bfdd = fakeBfdd(socketPath);
    await bfdd.listening;
    const heard: string[] = [];
    const state = (sessions: ReadonlyMap<string, BfdSession>) =>
      sessions.size === 0 ? 'none' : [...sessions.values()].map((s) => `${s.label}:${s.state}`).join(',');
    // Between the two bfdd, no socket: the watcher asks its lister (here one that fails, as vtysh without bfdd).
    const watch = watchBfdSessions(socketPath, (sessions) => heard.push(state(sessions)), pino({ level: 'silent' }), [
      'false',
    ]);
    try {
      await waitFor(() => (heard.includes('up1:up') ? true : undefined), 5000, 10, 'first state');
      expect(bfdd.requests.map((r) => r.toString('hex'))).toEqual(['00000008000104010100000000000000']);
      bfdd.push('down');
      await waitFor(() => (heard.at(-1) === 'up1:down' ? true : undefined), 5000, 5, 'pushed change');
      await bfdd.close();
      await waitFor(() => (heard.at(-1) === 'none' ? true : undefined), 5000, 5, 'bfdd away');
      bfdd = fakeBfdd(socketPath);
      await bfdd.listening;
      await waitFor(() => (heard.at(-1) === 'up1:up' ? true : undefined), 5000, 20, 'bfdd back');
    } finally {
      watch.stop();
      await bfdd.close();
    }
  });

  it('where bfdd has no control socket: the sessions as `show bfd peers json` lists them, every second', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-bfdd-'));
    dirs.push(dir);
    const heard: string[] = [];
    const json = JSON.stringify([{ peer: '192.0.2.11', label: 'up1', status: 'up', multihop: false }]);
    const watch = watchBfdSessions(
      path.join(dir, 'absent.sock'),
      (sessions) => heard.push([...sessions.values()].map((s) => `${s.label}:${s.state}`).join(',')),
      pino({ level: 'silent' }),
      ['echo', json],
    );
    try {
      await waitFor(() => (heard.length >= 2 ? true : undefined), 5000, 20, 'two polls');
      expect(heard.slice(0, 2)).toEqual(['up1:up', 'up1:up']);
    } finally {
      watch.stop();
    }
  });
});
