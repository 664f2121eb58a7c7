/**
 * Operating vipd, in namespaces: the pid file (a second vipd refuses, a stale file is taken over, the running one
 * is never disturbed), `vipd status` as a table and as JSON after a failover, drop counters moved by exactly the
 * bad packets another host sent, and a control socket only root can use.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAdvert } from '../../src/core/codec/advert.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { repoRoot, VipdRouter, vipdYaml } from '../helpers/routers.js';

const VIP = '192.0.2.100';
const cli = path.join(repoRoot, 'dist/vipd.js');

function vipd(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe.skipIf(!canRunNetns())('operations', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  const router = (host: string, priority: number) =>
    new VipdRouter(lab, host, { name: 'VI_1', vrid: 61, priority, advertInt: 0.1, vips: [`${VIP}/24`] });

  it('a second vipd on the same pid file refuses (exit 1, naming the pid); the running one is not disturbed', async () => {
    lab = Lab.create('pid', ['r1']);
    const r1 = router('r1', 150).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    const cfg = path.join(r1.dir, 'vipd.yaml');
    const second = spawnSync(
      'ip',
      ['netns', 'exec', lab.host('r1').ns, process.execPath, cli, 'run', '-f', cfg, ...r1.runFiles()],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(`vipd: another vipd is running (pid ${r1.pid}, pid file ${r1.pidFile})`);
    await new Promise((r) => setTimeout(r, 300));
    expect(r1.state()).toBe('MASTER');
    expect(r1.heldVips()).toEqual([VIP]);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    expect(existsSync(r1.pidFile)).toBe(false);
    expect(existsSync(r1.controlSocket)).toBe(false);
  });

  it('a stale pid file (its process gone) is taken over', async () => {
    lab = Lab.create('stale', ['r1']);
    const r1 = router('r1', 150);
    writeFileSync(r1.pidFile, '999999\n'); // beyond pid_max: no such process
    r1.start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    expect(Number(vipdPid(r1))).toBe(r1.pid);
  });

  it('status after a failover: the table, the JSON, and drops counted by reason, exactly', async () => {
    lab = Lab.create('status', ['r1', 'r2', 'bad']);
    const r1 = router('r1', 150).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    const r2 = router('r2', 100).start({}, ['--metrics', '127.0.0.1:9650']);
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 5000, 20, 'r2 BACKUP');
    await new Promise((r) => setTimeout(r, 300)); // r2 hears a few of r1's adverts
    r1.hardKill();
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 5000, 20, 'r2 MASTER');

    // Another host sends adverts with a TTL of 64 (7 of them) and for a VRID nobody has (5).
    const bad = (vrid: number) =>
      encodeAdvert(
        { version: 3, vrid, priority: 200, maxAdverIntervalMs: 100, addresses: [VIP] },
        { family: 4, src: lab.host('bad').ipv4, dst: '224.0.0.18' },
      ).toString('hex');
    const send = (hex: string, ttl: number, n: number) =>
      lab.exec(
        'bad',
        'python3',
        '-c',
        [
          'import socket',
          's = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)',
          `s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('${lab.host('bad').ipv4}'))`,
          `s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ${ttl})`,
          `for _ in range(${n}): s.sendto(bytes.fromhex('${hex}'), ('224.0.0.18', 0))`,
        ].join('\n'),
      );
    send(bad(61), 64, 7);
    send(bad(99), 255, 5);
    await new Promise((r) => setTimeout(r, 300));

    const json = lab.exec('r2', process.execPath, cli, 'status', '--json', '--control-socket', r2.controlSocket);
    const report = JSON.parse(json);
    expect(report.vipd.pid).toBe(r2.pid);
    const [i] = report.instances;
    expect(i).toMatchObject({
      name: 'VI_1',
      state: 'MASTER',
      priority: 100,
      effective_priority: 100,
      vrid: 61,
      interface: 'eth0',
      family: 4,
      version: 3,
      master_address: null,
      faults: [],
      last_transition: { from: 'BACKUP', to: 'MASTER', cause: 'master-down-timer' },
    });
    expect(i.counters.adverts_received).toBeGreaterThan(0);
    expect(i.counters.adverts_sent).toBeGreaterThan(0);
    expect(i.counters.become_master).toBe(1);
    expect(i.counters.transitions).toBe(2);
    expect(i.counters.rx_dropped).toEqual({ ip_ttl: 7 });
    expect(report.interfaces).toEqual([{ interface: 'eth0', family: 4, rx_dropped: { vrid: 5, socket_overflow: 0 } }]);
    expect(Date.parse(i.last_transition.time)).toBeGreaterThan(Date.now() - 10_000);

    const table = lab.exec('r2', process.execPath, cli, 'status', '--control-socket', r2.controlSocket);
    expect(table.split('\n')[0]).toMatch(/^INSTANCE\s+STATE\s+PRIO\s+EFF\s+VRID/);
    expect(table).toMatch(/^VI_1\s+MASTER\s+100\s+100\s+61\s+eth0\/ipv4\s+\(this node\)/m);
    expect(table).toContain('eth0/ipv4 dropped: {"vrid":5}');

    // The same figures in Prometheus text, on loopback only.
    const get = (host: string, url: string) =>
      lab.tryExec(
        host,
        'python3',
        '-c',
        `import urllib.request;print(urllib.request.urlopen('${url}', timeout=3).read().decode())`,
      );
    const metrics = get('r2', 'http://127.0.0.1:9650/metrics') ?? '';
    const series = `iname="VI_1",intf="eth0",vrid="61"`;
    expect(metrics).toContain(`keepalived_vrrp_state{${series},ip_address="${VIP}"} 2`);
    expect(metrics).toContain(`keepalived_become_master_total{${series}} 1`);
    expect(metrics).toContain(`keepalived_ip_ttl_errors_total{${series}} 7`);
    expect(metrics).toContain(`vipd_vrrp_rx_dropped_total{${series},reason="ip_ttl"} 7`);
    expect(metrics).toContain('vipd_vrrp_router_rx_dropped_total{intf="eth0",family="ipv4",reason="vrid"} 5');
    expect(metrics).toMatch(/^vipd_build_info\{version="\d+\.\d+\.\d+",node="v\d+/m);
    expect(metrics).toContain('# TYPE keepalived_advertisements_sent_total counter');
    expect(get('r1', `http://${lab.host('r2').ipv4}:9650/metrics`)).toBeUndefined(); // not on the LAN
    expect(get('r2', `http://${lab.host('r2').ipv4}:9650/metrics`)).toBeUndefined();

    // keepalived's dump signals: SIGUSR2 the stats blocks, SIGUSR1 the data (JSON), beside the pid file.
    r2.signal('SIGUSR2');
    r2.signal('SIGUSR1');
    const stats = path.join(r2.dir, 'vipd.stats');
    const data = path.join(r2.dir, 'vipd.data');
    await waitFor(() => (existsSync(stats) && existsSync(data) ? true : undefined), 3000, 20, 'dumps');
    const blocks = readFileSync(stats, 'utf8');
    expect(blocks).toMatch(
      /^VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: \d+\n {4}Sent: \d+\n {2}Became master: 1\n/,
    );
    expect(blocks).toContain('  Packet Errors:\n    Length: 0\n    TTL: 7\n');
    expect(blocks).toContain('  Priority Zero:\n    Received: 0\n    Sent: 0\n');
    expect(statSync(stats).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(data, 'utf8')).instances[0].name).toBe('VI_1');
  });

  /** One vipd MASTER in a lab of its own, with these global_defs lines; and a directory for its files. */
  async function masterWith(tag: string, vrid: number, globals: (dir: string) => string) {
    lab = Lab.create(tag, ['r1']);
    const dir = mkdtempSync(path.join(os.tmpdir(), `vipd-${tag}-`));
    const r1 = new VipdRouter(lab, 'r1', {
      name: 'VI_1',
      vrid,
      priority: 150,
      advertInt: 0.1,
      vips: [`${VIP}/24`],
      topLevel: `global_defs:\n${globals(dir)}`,
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    return { r1, dir };
  }

  it('state_dump_file, stats_dump_file and json_dump_file say where the dumps go', async () => {
    const { r1, dir } = await masterWith(
      'dumps',
      62,
      (d) => `  state_dump_file: ${d}/state\n  stats_dump_file: ${d}/stats\n  json_dump_file: ${d}/json\n`,
    );
    r1.signal('SIGUSR1');
    r1.signal('SIGUSR2');
    const files = ['state', 'stats', 'json'].map((f) => path.join(dir, f));
    await waitFor(() => (files.every((f) => existsSync(f)) ? true : undefined), 3000, 20, 'dumps');
    expect(JSON.parse(readFileSync(files[0] as string, 'utf8')).instances[0].name).toBe('VI_1');
    expect(readFileSync(files[1] as string, 'utf8')).toMatch(/^VRRP Instance: VI_1\n/);
    expect(readFileSync(files[2] as string, 'utf8')).toBe(readFileSync(files[0] as string, 'utf8'));
    expect(existsSync(path.join(r1.dir, 'vipd.data'))).toBe(false);
  });

  it('reload_file: a file an updater made is emptied as the reload reads the files, and removed once it has', async () => {
    const { r1, dir } = await masterWith('reloadfile', 63, (d) => `  reload_file: ${d}/reload.marker\n`);
    const marker = path.join(dir, 'reload.marker');
    writeFileSync(marker, 'update in progress\n'); // what an updater does before it signals the reload
    r1.signal('SIGHUP');
    await waitFor(() => (existsSync(marker) ? undefined : true), 5000, 20, 'the marker removed');
    // Removed once the files are read, which is before the reload is applied and logged.
    await waitFor(
      () => (r1.lines().some((l) => l.msg === 'configuration reloaded') ? true : undefined),
      5000,
      20,
      'reloaded',
    );
  });

  it('reload_time_file: a reload at the time the file says, the file deleted after', async () => {
    const { r1, dir } = await masterWith('reloadtime', 64, (d) => `  reload_time_file: ${d}/reload.at\n`);
    const file = path.join(dir, 'reload.at');
    // Written after the start: the directory is watched. Two seconds ahead, in UTC (HH:MM:SSZ).
    const at = new Date(Date.now() + 2000).toISOString().slice(11, 19);
    writeFileSync(file, `${at}Z\n`);
    await waitFor(
      () => (r1.lines().some((l) => l.msg === 'reload scheduled by reload_time_file') ? true : undefined),
      3000,
      20,
      'scheduled',
    );
    expect(r1.lines().some((l) => l.msg === 'configuration reloaded')).toBe(false);
    await waitFor(
      () => (r1.lines().some((l) => l.msg === 'configuration reloaded') ? true : undefined),
      5000,
      20,
      'reloaded',
    );
    expect(existsSync(file)).toBe(false);
  });

  it("notify FIFO: keepalived's lines through the FIFO to its reader script, STOP last, the reader ends with vipd", async () => {
    lab = Lab.create('fifo', ['r1']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-fifo-'));
    const reader = path.join(dir, 'reader.sh');
    writeFileSync(reader, `#!/bin/sh\ncat "$1" >> ${dir}/seen.log\n`, { mode: 0o755 });
    const r1 = new VipdRouter(lab, 'r1', {
      name: 'VI_1',
      vrid: 61,
      priority: 150,
      advertInt: 0.1,
      vips: [`${VIP}/24`],
      topLevel: `global_defs:\n  notify_fifo: ${dir}/notify.fifo\n  notify_fifo_script: ${reader}\n`,
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    expect(statSync(path.join(dir, 'notify.fifo')).isFIFO()).toBe(true);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    const seen = await waitFor(
      () => {
        const text = existsSync(path.join(dir, 'seen.log')) ? readFileSync(path.join(dir, 'seen.log'), 'utf8') : '';
        return text.includes('STOP') ? text : undefined;
      },
      3000,
      20,
      'the STOP line',
    );
    expect(seen).toBe('INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\nINSTANCE "VI_1" STOP 150\n');
  });

  it('Type=notify: READY=1 once running, STOPPING=1 on SIGTERM, to the datagram socket in NOTIFY_SOCKET', async () => {
    lab = Lab.create('sdnotify', ['r1']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-sd-'));
    const socketPath = path.join(dir, 'notify.sock');
    // A stand-in for systemd: a Unix datagram listener printing what it receives, one line per datagram.
    const listener = spawn(
      'python3',
      [
        '-u',
        '-c',
        [
          'import socket, sys',
          's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
          `s.bind('${socketPath}')`,
          'print("listening")',
          'while True: print(s.recv(4096).decode().replace("\\n", "|"))',
        ].join('\n'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let heard = '';
    listener.stdout.on('data', (d: Buffer) => {
      heard += d.toString();
    });
    try {
      await waitFor(() => (heard.includes('listening') ? true : undefined), 5000, 20, 'the listener');
      const r1 = router('r1', 150).start({ NOTIFY_SOCKET: socketPath });
      await waitFor(() => (heard.includes('READY=1') ? true : undefined), 5000, 20, 'READY=1');
      expect(heard).toContain(`READY=1|STATUS=1 VRRP instances running|MAINPID=${r1.pid}`);
      expect(heard).not.toContain('STOPPING=1');
      r1.signal('SIGTERM');
      expect(await r1.exited(5000)).toBe(0);
      await waitFor(() => (heard.includes('STOPPING=1') ? true : undefined), 2000, 20, 'STOPPING=1');
    } finally {
      listener.kill('SIGKILL');
    }
  });

  it('logs are readable lines on a terminal and JSON otherwise', async () => {
    lab = Lab.create('tty', ['r1']);
    const r1 = router('r1', 150);
    const cfg = path.join(r1.dir, 'vipd.yaml');
    writeFileSync(cfg, vipdYaml(r1.opts, r1.dir));
    // `script` gives vipd a pseudo-terminal as stdout.
    const command = [process.execPath, cli, 'run', '-f', cfg, ...r1.runFiles()].join(' ');
    const child = lab.spawn('r1', 'script', ['-qfc', command, '/dev/null']);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const plain = () => stripVTControlCharacters(out);
    await waitFor(() => (plain().includes('VI_1: state transition') ? true : undefined), 5000, 20, 'a readable line');
    expect(plain()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: VI_1: state transition \{"vrid":61,/m);
    expect(plain()).not.toMatch(/^\{"level"/m);
    const pid = Number(readFileSync(r1.pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitFor(() => (existsSync(r1.pidFile) ? undefined : true), 5000, 20, 'vipd gone');
    // The other tests read vipd's JSON lines from a pipe: that is the non-terminal case.
  });

  it('the control socket is root-only (0600); a non-root user is refused, and nothing runs says so', async () => {
    lab = Lab.create('ctl', ['r1']);
    const r1 = router('r1', 150).start();
    await waitFor(() => (r1.state() === 'BACKUP' || r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 up');
    await waitFor(() => (existsSync(r1.controlSocket) ? true : undefined), 5000, 20, 'control socket');
    expect(statSync(r1.controlSocket).mode & 0o777).toBe(0o600);
    const asNobody = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        cli,
        'status',
        '--control-socket',
        r1.controlSocket,
      ],
      { encoding: 'utf8', timeout: 20_000, cwd: '/' },
    );
    expect(asNobody.status).toBe(1);
    expect(asNobody.stderr).toMatch(/vipd status: (permission denied on .*: the control socket is root's|.*EACCES)/);
    const none = vipd('status', '--control-socket', path.join(r1.dir, 'nothing.sock'));
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('no vipd is running');
  });
});

function vipdPid(r: VipdRouter): string {
  return readFileSync(r.pidFile, 'utf8').trim();
}
