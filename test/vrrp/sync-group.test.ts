/** The pure sync-group rule (keepalived's vrrp_sync.c), row by row. */
import { describe, expect, it } from 'vitest';
import { SYNC_GROUP_FAULT, type SyncMember, syncGroupRule, syncGroupState } from '../../src/core/vrrp/sync-group.js';
import { FakeRouter, params } from './harness.js';

const m = (name: string, state: SyncMember['state'], o: Partial<SyncMember> = {}): SyncMember => ({
  name,
  state,
  wantsMaster: false,
  faults: [],
  ...o,
});

describe('syncGroupRule', () => {
  it("a member's own fault puts the others in the group fault, and only the others", () => {
    const members = [m('A', 'FAULT', { faults: ['trackers'] }), m('B', 'MASTER'), m('C', 'BACKUP')];
    expect(syncGroupRule(members, { type: 'faults', member: 'A' })).toEqual([
      { member: 'B', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: true } },
      { member: 'C', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: true } },
    ]);
  });

  it('the group fault goes when no member has a fault of its own, and stays while another has one', () => {
    const cleared = [m('A', 'BACKUP', { faults: [] }), m('B', 'FAULT', { faults: [SYNC_GROUP_FAULT] })];
    expect(syncGroupRule(cleared, { type: 'faults', member: 'A' })).toEqual([
      { member: 'B', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: false } },
    ]);
    // B has a fault of its own too: A's clearing leaves A in the group fault (because of B), B keeps its own.
    const both = [m('A', 'BACKUP'), m('B', 'FAULT', { faults: [SYNC_GROUP_FAULT, 'link'] })];
    expect(syncGroupRule(both, { type: 'faults', member: 'A' })).toEqual([
      { member: 'A', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: true } },
      { member: 'B', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: false } },
    ]);
  });

  it('a member leaving MASTER for BACKUP takes the other masters with it; a forced move forces nothing', () => {
    const members = [m('A', 'BACKUP'), m('B', 'MASTER'), m('C', 'BACKUP')];
    const change = { type: 'transition', member: 'A', from: 'MASTER', to: 'BACKUP' } as const;
    expect(syncGroupRule(members, { ...change, cause: 'higher-priority-advert' })).toEqual([
      { member: 'B', event: { type: 'sync', to: 'BACKUP' } },
    ]);
    expect(syncGroupRule(members, { ...change, cause: 'sync-group' })).toEqual([]);
    expect(syncGroupRule(members, { ...change, cause: 'shutdown' })).toEqual([]);
  });

  it('wanting MASTER opens the group only when every other member wants it or is MASTER', () => {
    const waiting = [m('A', 'BACKUP', { wantsMaster: true }), m('B', 'BACKUP')];
    expect(syncGroupRule(waiting, { type: 'wants-master', member: 'A' })).toEqual([]);
    const ready = [m('A', 'BACKUP', { wantsMaster: true }), m('B', 'BACKUP', { wantsMaster: true }), m('C', 'MASTER')];
    expect(syncGroupRule(ready, { type: 'wants-master', member: 'B' })).toEqual([
      { member: 'A', event: { type: 'sync', to: 'MASTER' } },
      { member: 'B', event: { type: 'sync', to: 'MASTER' } },
    ]);
    const faulty = [m('A', 'BACKUP', { wantsMaster: true }), m('B', 'FAULT', { faults: ['link'] })];
    expect(syncGroupRule(faulty, { type: 'wants-master', member: 'A' }).filter((f) => f.event.type === 'sync')).toEqual(
      [],
    );
  });

  it('a member becoming MASTER on its own (an owner) takes the BACKUP members with it', () => {
    const members = [m('A', 'MASTER'), m('B', 'BACKUP'), m('C', 'FAULT', { faults: [SYNC_GROUP_FAULT] })];
    expect(
      syncGroupRule(members, { type: 'transition', member: 'A', from: 'BACKUP', to: 'MASTER', cause: 'startup' }),
    ).toEqual([
      { member: 'C', event: { type: 'fault', source: SYNC_GROUP_FAULT, on: false } },
      { member: 'B', event: { type: 'sync', to: 'MASTER' } },
    ]);
  });
});

describe('syncGroupState', () => {
  it.each([
    [['INIT', 'INIT'], undefined],
    [['BACKUP', 'FAULT'], 'FAULT'],
    [['MASTER', 'MASTER'], 'MASTER'],
    [['MASTER', 'BACKUP'], 'BACKUP'],
    [['BACKUP', 'INIT'], 'BACKUP'],
  ] as const)('%j → %s', (states, want) => {
    expect(syncGroupState(states.map((state) => ({ state })))).toBe(want);
  });
});

describe('a sync-group member machine', () => {
  it('its down timer only makes it want MASTER (re-armed); the group moves it, with its own cause', () => {
    const r = new FakeRouter(params({ syncGroup: true }));
    r.handle({ type: 'startup' });
    const expired = r.fire('masterDown');
    expect(expired.map((a) => a.type)).toEqual(['set-timer', 'want-master']);
    expect(r.state).toBe('BACKUP');
    expect(r.machine.snapshot().wantsMaster).toBe(true);
    const taken = r.handle({ type: 'sync', to: 'MASTER' });
    expect(taken.find((a) => a.type === 'transition')).toMatchObject({ to: 'MASTER', cause: 'master-down-timer' });
    expect(r.machine.snapshot().wantsMaster).toBe(false);
  });

  it('hearing a master again ends the wish; sync BACKUP releases a master with priority 0', () => {
    const r = new FakeRouter(params({ syncGroup: true }));
    r.handle({ type: 'startup' });
    r.fire('masterDown');
    r.handle({ type: 'advert', priority: 200, maxAdverIntervalMs: 1000, src: '192.0.2.99' });
    expect(r.machine.snapshot().wantsMaster).toBe(false);
    r.handle({ type: 'sync', to: 'MASTER' });
    expect(r.state).toBe('MASTER');
    const released = r.handle({ type: 'sync', to: 'BACKUP' });
    expect(released.filter((a) => a.type === 'send-advert')).toEqual([{ type: 'send-advert', priority: 0 }]);
    expect(released.find((a) => a.type === 'transition')).toMatchObject({ to: 'BACKUP', cause: 'sync-group' });
    expect(r.handle({ type: 'sync', to: 'BACKUP' })).toEqual([]);
  });
});
