/**
 * The announce lab (issue 22), for the namespace test and `npm run bench:announce`: an upstream router (FRR bgpd with
 * maximum-paths, optionally bfdd) and two directors, each running FRR (zebra, bgpd with the README's
 * `redistribute kernel route-map`, optionally bfdd) and vipd announcing one service address while a track_file says
 * healthy; all in namespaces on one bridge. The upstream's kernel FIB is what is read.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Frr } from './frr.js';
import { Lab, waitFor } from './netns.js';
import { VipdRouter } from './routers.js';

export const SERVICE = '198.51.100.10';
export const UPSTREAM = '192.0.2.11';
export const DIRECTORS = ['d1', 'd2'] as const;
export const ADDRESS = { d1: '192.0.2.12', d2: '192.0.2.13' } as const;
/** With `ipv6`: the IPv6 service address, and each host's IPv6 address (the lab gives 2001:db8::11 + i). */
export const SERVICE6 = '2001:db8:100::10';
export const UPSTREAM6 = '2001:db8::11';
export const ADDRESS6 = { d1: '2001:db8::12', d2: '2001:db8::13' } as const;

export interface AnnounceLabOptions {
  /** The README's BFD profile on the BGP sessions. */
  bfd?: boolean;
  /** An IPv6 service address too, over IPv6 BGP sessions (the README's IPv6 half). */
  ipv6?: boolean;
}

/** The director side of the README's FRR configuration. */
const directorBgp = (
  d: (typeof DIRECTORS)[number],
  o: AnnounceLabOptions,
) => `ip prefix-list VIPD-V4 seq 10 permit 198.51.100.0/24 ge 32
ipv6 prefix-list VIPD-V6 seq 10 permit 2001:db8:100::/64 ge 128
route-map VIPD-ANNOUNCE permit 10
 match ip address prefix-list VIPD-V4
 match metric 4242
 set metric 0
route-map VIPD-ANNOUNCE-V6 permit 10
 match ipv6 address prefix-list VIPD-V6
 match metric 4242
 set metric 0
route-map VIPD-OUT permit 10
 match ip address prefix-list VIPD-V4
route-map VIPD-OUT-V6 permit 10
 match ipv6 address prefix-list VIPD-V6
router bgp 65001
 bgp router-id ${ADDRESS[d]}
${neighbor(UPSTREAM, 65000, o)}${o.ipv6 ? neighbor(UPSTREAM6, 65000, o) : ''} address-family ipv4 unicast
  redistribute kernel route-map VIPD-ANNOUNCE
  neighbor ${UPSTREAM} route-map VIPD-OUT out
 exit-address-family
${o.ipv6 ? ` address-family ipv6 unicast\n  redistribute kernel route-map VIPD-ANNOUNCE-V6\n  neighbor ${UPSTREAM6} activate\n  neighbor ${UPSTREAM6} route-map VIPD-OUT-V6 out\n exit-address-family\n` : ''}`;

/** One BGP neighbor with the lab's fast timers. */
const neighbor = (peer: string, as: number, o: AnnounceLabOptions) =>
  ` neighbor ${peer} remote-as ${as}\n neighbor ${peer} timers 1 3\n neighbor ${peer} timers connect 1\n` +
  (o.bfd ? ` neighbor ${peer} bfd profile vipd\n` : '');

const upstreamBgp = (o: AnnounceLabOptions) => `router bgp 65000
 bgp router-id ${UPSTREAM}
 no bgp ebgp-requires-policy
${DIRECTORS.map((d) => neighbor(ADDRESS[d], 65001, o) + (o.ipv6 ? neighbor(ADDRESS6[d], 65001, o) : '')).join('')} address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
${o.ipv6 ? ` address-family ipv6 unicast\n${DIRECTORS.map((d) => `  neighbor ${ADDRESS6[d]} activate\n`).join('')}  maximum-paths 8\n exit-address-family\n` : ''}`;

/** The README's BFD profile: 100 ms × 3. */
const BFD_PROFILE =
  'bfd\n profile vipd\n  transmit-interval 100\n  receive-interval 100\n  detect-multiplier 3\n exit\nexit\n';

export class AnnounceLab {
  readonly frr = new Map<string, Frr>();
  readonly vipds = new Map<string, VipdRouter>();

  private constructor(
    readonly lab: Lab,
    readonly upstream: Frr,
  ) {}

  /** `extra`: lines added to each director's announce block (YAML, 4 spaces in). */
  static async create(extra = '', o: AnnounceLabOptions = {}): Promise<AnnounceLab> {
    const lab = Lab.create('announce', ['up', ...DIRECTORS]);
    try {
      const withBfd = o.bfd ? { bfdd: BFD_PROFILE } : {};
      const a = new AnnounceLab(lab, await new Frr(lab, 'up').start({ bgpd: upstreamBgp(o), ...withBfd }));
      const prefixes = o.ipv6 ? `[${SERVICE}/32, ${SERVICE6}/128]` : `${SERVICE}/32`;
      for (const d of DIRECTORS) {
        a.frr.set(d, await new Frr(lab, d).start({ bgpd: directorBgp(d, o), ...withBfd }));
        const router = new VipdRouter(lab, d, { name: 'unused', vrid: 1, vips: [] });
        writeFileSync(path.join(router.dir, 'down'), '0\n');
        router.opts.configText = `announce:\n  WEB:\n    prefix: ${prefixes}\n    track_file: [${path.join(router.dir, 'down')}]\n${extra}`;
        a.vipds.set(d, router.start());
      }
      return a;
    } catch (err) {
      lab.destroy();
      throw err;
    }
  }

  vipd(d: string): VipdRouter {
    return this.vipds.get(d) as VipdRouter;
  }

  /** A director's vipd again (after a kill), on the same configuration. */
  restart(d: string): VipdRouter {
    const old = this.vipd(d);
    const router = new VipdRouter(this.lab, d, old.opts);
    writeFileSync(path.join(router.dir, 'down'), '0\n');
    router.opts.configText = old.opts.configText?.replace(path.join(old.dir, 'down'), path.join(router.dir, 'down'));
    this.vipds.set(d, router.start());
    return router;
  }

  /** The director's tracked file says failed (or healthy). */
  fail(d: string, failed: boolean): void {
    writeFileSync(path.join(this.vipd(d).dir, 'down'), failed ? '1\n' : '0\n');
  }

  /** The next hops of the service's route in the upstream's kernel, sorted (`6`: the IPv6 service's). */
  nextHops(family: 4 | 6 = 4): string[] {
    const dst = family === 4 ? `${SERVICE}/32` : `${SERVICE6}/128`;
    const out = this.lab.tryExec('up', 'ip', '-j', `-${family}`, 'route', 'show', dst) ?? '[]';
    const routes = JSON.parse(out) as { gateway?: string; nexthops?: { gateway?: string }[] }[];
    return routes
      .flatMap((r) => (r.nexthops ? r.nexthops.map((h) => h.gateway) : [r.gateway]))
      .filter((g): g is string => g !== undefined)
      .sort();
  }

  /** Polls the upstream's FIB every 10 ms until it has exactly `want`; resolves how long that took (ms). */
  async fibReaches(want: string[], timeoutMs: number, what: string, family: 4 | 6 = 4): Promise<number> {
    const t0 = performance.now();
    const text = JSON.stringify(want);
    await waitFor(() => (JSON.stringify(this.nextHops(family)) === text ? true : undefined), timeoutMs, 10, what);
    return performance.now() - t0;
  }

  destroy(): void {
    this.lab.destroy();
  }
}
