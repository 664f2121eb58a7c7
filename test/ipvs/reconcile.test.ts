/** reconcile(desired, actual, owned): the ordered operations, idempotence, and what vipd does not own. */
import { describe, expect, it } from 'vitest';
import { type IpvsOp, reconcile, rowOps } from '../../src/core/ipvs/reconcile.js';
import { type IpvsDest, type IpvsService, SERVICE_FLAGS, serviceId } from '../../src/core/ipvs/table.js';

const dest = (address: string, weight = 1, extra: Partial<IpvsDest> = {}): IpvsDest => ({
  address,
  port: 80,
  family: 4,
  method: 'NAT',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});
const svc = (address: string, dests: IpvsDest[], extra: Partial<IpvsService> = {}): IpvsService => ({
  key: { family: 4, protocol: 'TCP', address, port: 80 },
  scheduler: 'rr',
  flags: 0,
  timeoutS: 0,
  netmask: 0xffffffff,
  dests,
  ...extra,
});
/** Short text of an operation, for readable expectations. */
const text = (op: IpvsOp): string => {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return `${op.op} ${serviceId(op.service.key)}`;
    case 'remove-service':
      return `${op.op} ${serviceId(op.key)}`;
    case 'remove-dest':
      return `${op.op} ${serviceId(op.key)} ${op.dest.address}`;
    default:
      return `${op.op} ${serviceId(op.key)} ${op.dest.address} w${op.dest.weight}`;
  }
};
/** Applies operations to a table as the kernel would (for the idempotence property). */
function apply(table: IpvsService[], ops: IpvsOp[]): IpvsService[] {
  let t = table.map((s) => ({ ...s, dests: [...s.dests] }));
  const find = (id: string) => t.find((s) => serviceId(s.key) === id) as IpvsService;
  for (const op of ops) {
    if (op.op === 'add-service') t.push({ ...op.service, dests: [] });
    else if (op.op === 'edit-service')
      Object.assign(find(serviceId(op.service.key)), { ...op.service, dests: find(serviceId(op.service.key)).dests });
    else if (op.op === 'remove-service') t = t.filter((s) => serviceId(s.key) !== serviceId(op.key));
    else {
      const s = find(serviceId(op.key));
      s.dests = s.dests.filter((d) => d.address !== op.dest.address || d.port !== op.dest.port);
      if (op.op !== 'remove-dest') s.dests.push(op.dest as IpvsDest);
    }
  }
  return t;
}

describe('reconcile', () => {
  const want = [svc('10.0.0.100', [dest('10.0.0.11'), dest('10.0.0.12', 2)])];

  it('from an empty table: the service, then its destinations', () => {
    expect(reconcile(want, []).map(text)).toEqual([
      'add-service TCP 10.0.0.100:80',
      'add-dest TCP 10.0.0.100:80 10.0.0.11 w1',
      'add-dest TCP 10.0.0.100:80 10.0.0.12 w2',
    ]);
  });

  it('a table equal to the desired one gives no operation (the kernel adds the hashed flag)', () => {
    const actual = [{ ...want[0], flags: SERVICE_FLAGS.hashed } as IpvsService];
    expect(reconcile(want, actual)).toEqual([]);
  });

  it('a weight change edits one destination and touches nothing else', () => {
    const actual = [svc('10.0.0.100', [dest('10.0.0.11', 5), dest('10.0.0.12', 2)])];
    expect(reconcile(want, actual).map(text)).toEqual(['edit-dest TCP 10.0.0.100:80 10.0.0.11 w1']);
  });

  it('a destination added by hand to a service vipd owns is removed; a missing one is put back, adds first', () => {
    const actual = [svc('10.0.0.100', [dest('10.0.0.11'), dest('10.0.0.99')])];
    expect(reconcile(want, actual).map(text)).toEqual([
      'add-dest TCP 10.0.0.100:80 10.0.0.12 w2',
      'remove-dest TCP 10.0.0.100:80 10.0.0.99',
    ]);
  });

  it('scheduler, persistence or forwarding changes are edits, not removals (connections survive)', () => {
    const actual = [
      svc('10.0.0.100', [dest('10.0.0.11', 1, { method: 'DR' }), dest('10.0.0.12', 2)], {
        scheduler: 'wrr',
        timeoutS: 60,
        flags: 1,
      }),
    ];
    expect(reconcile(want, actual).map(text)).toEqual([
      'edit-service TCP 10.0.0.100:80',
      'edit-dest TCP 10.0.0.100:80 10.0.0.11 w1',
    ]);
  });

  it('services vipd does not own are never touched; an owned one no longer wanted is removed', () => {
    const foreign = svc('192.0.2.1', [dest('192.0.2.10')]);
    const old = svc('10.0.0.101', [dest('10.0.0.11')]);
    const owned = new Set([serviceId(want[0]?.key as IpvsService['key']), serviceId(old.key)]);
    expect(reconcile(want, [foreign, old, ...want], owned).map(text)).toEqual(['remove-service TCP 10.0.0.101:80']);
  });

  it('fwmark and IPv6 services are keyed apart from address services', () => {
    const fw: IpvsService = { ...svc('x', []), key: { family: 6, fwmark: 1 }, netmask: 128 };
    expect(reconcile([fw], [{ ...fw, key: { family: 4, fwmark: 1 } }]).map(text)).toEqual(['add-service FWM 1 inet6']);
  });

  it('TUN options are compared (a GUE port change is an edit)', () => {
    const tun = (port: number) => [
      svc('10.0.0.100', [dest('10.0.0.11', 1, { method: 'TUN', tunnel: { type: 'gue', port } })]),
    ];
    expect(reconcile(tun(6080), tun(6081)).map(text)).toEqual(['edit-dest TCP 10.0.0.100:80 10.0.0.11 w1']);
  });

  it('reconciling the result of applying the operations gives none (idempotent), for many random tables', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const table = () =>
      Array.from({ length: rnd(4) }, (_, i) =>
        svc(
          `10.0.1.${i + rnd(3)}`,
          Array.from({ length: rnd(4) }, (_, j) => dest(`10.0.2.${j + rnd(3)}`, rnd(3))),
          {
            scheduler: ['rr', 'wrr'][rnd(2)] as string,
          },
        ),
      )
        .filter((s, i, all) => all.findIndex((o) => serviceId(o.key) === serviceId(s.key)) === i)
        .map((s) => ({
          ...s,
          dests: s.dests.filter((d, i, all) => all.findIndex((o) => o.address === d.address) === i),
        }));
    for (let i = 0; i < 300; i++) {
      const desired = table();
      const actual = table();
      const owned = new Set(actual.filter(() => rnd(2) === 0).map((s) => serviceId(s.key)));
      const after = apply(actual, reconcile(desired, actual, owned));
      expect(reconcile(desired, after, owned)).toEqual([]);
    }
  });
});

describe("rowOps: one real server's row in every service of its virtual server", () => {
  const keys = [
    { family: 4 as const, protocol: 'TCP' as const, address: '10.0.0.1', port: 8080 },
    { family: 4 as const, fwmark: 7 },
  ];
  const row = (op: IpvsOp) =>
    'dest' in op && 'key' in op
      ? `${op.op} ${serviceId(op.key)} ${op.dest.address}:${op.dest.port}${'weight' in op.dest ? ` w${op.dest.weight}` : ''}`
      : op.op;
  it("added, re-weighted, removed; DR takes the service's port (0 in a fwmark service); nothing when unchanged", () => {
    const dr = dest('10.0.0.11', 1, { method: 'DR' });
    expect(rowOps(keys, undefined, dr).map(row)).toEqual([
      'add-dest TCP 10.0.0.1:8080 10.0.0.11:8080 w1',
      'add-dest FWM 7 inet 10.0.0.11:0 w1',
    ]);
    expect(rowOps(keys, dr, { ...dr, weight: 3 }).map(row)).toEqual([
      'edit-dest TCP 10.0.0.1:8080 10.0.0.11:8080 w3',
      'edit-dest FWM 7 inet 10.0.0.11:0 w3',
    ]);
    expect(rowOps(keys, dest('10.0.0.12'), undefined).map(row)).toEqual([
      'remove-dest TCP 10.0.0.1:8080 10.0.0.12:80',
      'remove-dest FWM 7 inet 10.0.0.12:80',
    ]);
    expect(rowOps(keys, dr, { ...dr })).toEqual([]);
    expect(rowOps(keys, undefined, undefined)).toEqual([]);
  });
});

describe('reconcile: mh (Maglev) destinations in the order the configuration gives', () => {
  /** The kernel's list: an added destination goes first (it lists the newest first), an edited one stays put. */
  function kernel(table: IpvsService, ops: IpvsOp[]): IpvsService {
    let dests = [...table.dests];
    for (const op of ops) {
      if (op.op === 'add-dest') dests.unshift(op.dest);
      else if (op.op === 'remove-dest') dests = dests.filter((d) => d.address !== op.dest.address);
      else if (op.op === 'edit-dest') dests = dests.map((d) => (d.address === op.dest.address ? op.dest : d));
    }
    return { ...table, dests };
  }
  const mh = (dests: IpvsDest[]) => svc('10.0.0.100', dests, { scheduler: 'mh' });
  const addedOrder = (s: IpvsService) => [...s.dests].reverse().map((d) => d.address);

  it('a destination added in the middle by a reload: those after it are removed and added again, in order', () => {
    const want = mh([dest('10.0.0.11'), dest('10.0.0.12'), dest('10.0.0.13')]);
    const have = mh([dest('10.0.0.13'), dest('10.0.0.11')]); // added 11 then 13
    const ops = reconcile([want], [have]);
    expect(ops.map(text)).toEqual([
      'remove-dest TCP 10.0.0.100:80 10.0.0.13',
      'add-dest TCP 10.0.0.100:80 10.0.0.12 w1',
      'add-dest TCP 10.0.0.100:80 10.0.0.13 w1',
    ]);
    expect(addedOrder(kernel(have, ops))).toEqual(['10.0.0.11', '10.0.0.12', '10.0.0.13']);
    // Any other scheduler: the one destination missing is added, nothing moves.
    const rr = reconcile([{ ...want, scheduler: 'rr' }], [{ ...have, scheduler: 'rr' }]);
    expect(rr.map(text)).toEqual(['add-dest TCP 10.0.0.100:80 10.0.0.12 w1']);
  });

  it('in order already: nothing, a weight change edits in place', () => {
    const have = mh([dest('10.0.0.13'), dest('10.0.0.12'), dest('10.0.0.11')]);
    expect(reconcile([mh([dest('10.0.0.11'), dest('10.0.0.12'), dest('10.0.0.13')])], [have])).toEqual([]);
    const ops = reconcile([mh([dest('10.0.0.11'), dest('10.0.0.12', 0), dest('10.0.0.13')])], [have]);
    expect(ops.map(text)).toEqual(['edit-dest TCP 10.0.0.100:80 10.0.0.12 w0']);
  });

  it('whatever the kernel holds, in whatever order: once applied, the order is the configuration’s', () => {
    const all = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14', '10.0.0.15'];
    // Every subset of 3 of the wanted ones plus a stray, in every order they could have been added.
    const permutations = (xs: string[]): string[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const want = mh(all.slice(0, 4).map((a) => dest(a)));
    for (const added of permutations(['10.0.0.12', '10.0.0.14', '10.0.0.11', '10.0.0.15'])) {
      const have = mh([...added].reverse().map((a) => dest(a)));
      const after = kernel(have, reconcile([want], [have]));
      expect(addedOrder(after)).toEqual(all.slice(0, 4));
      expect(reconcile([want], [after])).toEqual([]);
    }
  });
});
