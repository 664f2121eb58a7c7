/**
 * FRR bfdd's sessions as vipd follows them: one watch for the whole daemon (started when the first name is
 * followed, kept across reloads), and whoever follows a name — a track_bfd, a BFD_CHECK — hears whether it is up now
 * and at every change, once bfdd has been heard from (or found unreachable): up while every session it names (by label
 * or peer address) is up. Until then a follower hears nothing and keeps its own starting state (a track_bfd starts
 * down, a BFD_CHECK as its real server's other checkers do: up unless alpha).
 */
import { type BfdSession, trackedUp } from '../core/bfd/control.js';
import { addressFamily, canonicalAddress } from '../core/codec/ip-address.js';
import { TrackerError } from '../core/errors.js';
import type { TrackerEdges } from '../core/ports.js';

interface Follower {
  name: string;
  heard: (up: boolean) => void;
  last: boolean | undefined;
}

export class BfdSessions {
  private watch: { stop(): void } | undefined;
  private sessions: BfdSession[] = [];
  /** bfdd has been heard from, or found unreachable, since the watch started. */
  private known = false;
  private readonly followers = new Set<Follower>();

  constructor(
    private readonly edges: Pick<TrackerEdges, 'watchBfd'>,
    /** The control socket the configuration names now (read when the watch starts). */
    private readonly socketPath: () => string | undefined,
  ) {}

  /** Follows `name`; `heard` gets its state now and at each change. Throws TrackerError without a way to see BFD. */
  follow(name: string, heard: (up: boolean) => void): () => void {
    if (!this.watch) {
      const watch = this.edges.watchBfd;
      if (!watch) throw new TrackerError('track_bfd / BFD_CHECK: these edges cannot see BFD sessions');
      this.watch = watch(this.socketPath(), (sessions) => {
        this.sessions = [...sessions.values()];
        this.known = true;
        for (const f of this.followers) this.tell(f);
      });
    }
    const f: Follower = { name, heard, last: undefined };
    this.followers.add(f);
    if (this.known) this.tell(f);
    return () => this.followers.delete(f);
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
    this.known = false;
    this.followers.clear();
  }

  private tell(f: Follower): void {
    const up = trackedUp(f.name, this.sessions, canonicalPeer);
    if (up === f.last) return;
    f.last = up;
    f.heard(up);
  }
}

/** bfdd's peer address as the configuration writes it (canonical), for matching a name. */
const canonicalPeer = (a: string) => (addressFamily(a) === undefined ? a : canonicalAddress(a));
