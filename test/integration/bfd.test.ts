/**
 * track_bfd against FRR's bfdd on the real kernel (issue 22): two hosts each running bfdd with a 100 ms × 3
 * session to the other, vipd on the first tracking it by its peer address. The session's state reaches vipd by bfdd's control
 * socket as bfdd changes it: the link cut silently on the far side, the instance is FAULT within 100 ms of bfdd
 * telling a client of its control socket (the test's own) that the session went down; the link back, it returns; bfdd restarted, vipd connects again.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BfdFrameReader, encodeNotifyRequest, parseSession } from '../../src/core/bfd/control.js';
import { Frr, frrAvailable } from '../helpers/frr.js';
import { canRunNetns, inCI, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter } from '../helpers/routers.js';

const bfdConf = (peer: string) => `debug bfd peer
bfd
 peer ${peer}
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 exit
exit
`;

/**
 * A second client of bfdd's control socket, for the test: when bfdd told it (ms since the epoch) that a session
 * reached each state. bfdd pushes the same notification to every client at once, vipd included.
 */
function observe(socketPath: string): { seen: { state: string; at: number }[]; close(): void } {
  const seen: { state: string; at: number }[] = [];
  const reader = new BfdFrameReader();
  const s = net.connect(socketPath, () => s.write(encodeNotifyRequest(7)));
  s.on('data', (chunk: Buffer) => {
    const at = Date.now();
    for (const f of reader.push(chunk).frames) {
      const r = parseSession(JSON.parse(f.payload.toString()));
      if (r.ok) seen.push({ state: r.session.state, at });
    }
  });
  s.on('error', () => undefined);
  return { seen, close: () => s.destroy() };
}

describe.skipIf(!canRunNetns() || (!frrAvailable() && !inCI))('track_bfd with FRR bfdd', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('a session down is FAULT within 100 ms of bfdd seeing it; up again, and after bfdd restarts', async () => {
    lab = Lab.create('bfd', ['r1', 'r2']);
    const near = await new Frr(lab, 'r1').start({ bfdd: bfdConf('192.0.2.12') });
    const far = await new Frr(lab, 'r2').start({ bfdd: bfdConf('192.0.2.11') });
    const vipd = new VipdRouter(lab, 'r1', { name: 'VI_1', vrid: 51, vips: ['192.0.2.100/24'] });
    vipd.opts.configText = `global_defs:
  bfdd_socket: ${near.bfddSocket}
vrrp_instance:
  VI_1:
    interface: eth0
    virtual_router_id: 51
    priority: 150
    version: 3
    advert_int: 0.1
    virtual_ipaddress: [192.0.2.100/24]
    track_bfd: [192.0.2.12]
`;
    vipd.start();
    await waitFor(() => (vipd.state() === 'MASTER' ? true : undefined), 20_000, 20, 'master once the session is up');

    // Cut silently: the far side stops, the near side's link stays up; bfdd detects it after 3 × 100 ms.
    const watcher = observe(near.bfddSocket);
    await waitFor(() => (watcher.seen.some((x) => x.state === 'up') ? true : undefined), 5000, 10, 'observer');
    lab.exec('r2', 'ip', 'link', 'set', 'eth0', 'down');
    await waitFor(() => (vipd.state() === 'FAULT' ? true : undefined), 5000, 10, 'FAULT');
    watcher.close();
    const down = watcher.seen.find((x) => x.state === 'down')?.at;
    const fault = vipd.transitions().at(-1);
    expect(down, near.log('bfdd').slice(-2000)).toBeDefined();
    expect(fault?.to).toBe('FAULT');
    const lag = (fault?.time as number) - (down as number);
    // (Under load the observer, this test's own process, may read bfdd's message after vipd has acted on it.)
    expect(lag, `bfdd told of the session down at ${down}, vipd FAULT at ${fault?.time}`).toBeLessThanOrEqual(100);

    lab.exec('r2', 'ip', 'link', 'set', 'eth0', 'up');
    await waitFor(() => (vipd.state() === 'MASTER' ? true : undefined), 10_000, 20, 'master again');

    // bfdd restarted: vipd counts the session down while it is away, then follows the new bfdd.
    near.kill('bfdd');
    await waitFor(() => (vipd.state() === 'FAULT' ? true : undefined), 5000, 10, 'FAULT while bfdd is away');
    near.spawn('bfdd');
    await waitFor(() => (vipd.state() === 'MASTER' ? true : undefined), 20_000, 20, 'master with the new bfdd');
    expect(vipd.lines().some((l) => l.msg === 'bfdd reached again')).toBe(true);
    expect(far.log('bfdd')).toContain('state-change');
  }, 90_000);
});
