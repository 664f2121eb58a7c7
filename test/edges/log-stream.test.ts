/** LogStream on real pipes: a reader that leaves, a reader that stops, and one that reads. */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogStream } from '../../src/edges/log-stream.js';

/** A FIFO opened at both ends by this process: the test reads, stops reading, or closes the read end. */
function fifo() {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-log-')), 'fifo');
  execFileSync('mkfifo', [file]);
  const reader = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(file, constants.O_WRONLY);
  return { reader, writer };
}

describe('LogStream', () => {
  it('writes lines in order', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-log-')), 'out');
    const fd = openSync(file, 'w');
    const s = new LogStream(fd);
    for (let i = 0; i < 1000; i++) s.write(`{"n":${i}}\n`);
    await s.flush(2000);
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBe(1000);
    expect(lines[999]).toBe('{"n":999}');
    expect(s.stats).toEqual({ dropped: 0, broken: undefined });
  });

  it('a reader that left (EPIPE) breaks the stream: later lines are dropped, flush returns at once', async () => {
    const { reader, writer } = fifo();
    closeSync(reader);
    const s = new LogStream(writer);
    s.write('{"a":1}\n');
    await s.flush(1000);
    expect(s.stats.broken).toBe('EPIPE');
    expect(s.write('{"a":2}\n')).toBe(false);
    const t0 = performance.now();
    await s.flush(5000);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(s.stats.dropped).toBe(1);
    closeSync(writer);
  });

  it('a reader that stops reading: the queue is bounded, lines beyond it are counted, flush gives up in time', async () => {
    const { reader, writer } = fifo(); // a blocking write end: a stuck write holds a pool thread, never the loop
    const s = new LogStream(writer, { maxQueuedBytes: 64 * 1024 });
    const line = `${'x'.repeat(1023)}\n`;
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) s.write(line); // 1 MiB into a 64 KiB pipe and a 64 KiB queue
    expect(performance.now() - t0).toBeLessThan(200); // never blocked
    await new Promise((r) => setTimeout(r, 100));
    expect(s.stats.dropped).toBeGreaterThan(800);
    expect(s.stats.broken).toBeUndefined();
    const t1 = performance.now();
    await s.flush(100);
    expect(performance.now() - t1).toBeLessThan(400);
    closeSync(reader); // the stuck write ends with EPIPE
    await s.flush(1000);
    expect(s.stats.broken).toBe('EPIPE');
    closeSync(writer);
  });

  it('reports the dropped count once the reader catches up', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-log-'));
    const file = path.join(dir, 'out');
    const fd = openSync(file, 'w');
    const s = new LogStream(fd, { maxQueuedBytes: 10 });
    s.write('{"first":1}\n'); // 12 bytes > 10: dropped
    s.write('{"a":1}\n');
    await s.flush(1000);
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('{"a":1}');
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({
      dropped: 1,
      msg: 'log lines dropped: the log reader was too slow',
    });
  });
});
