/**
 * The daemon-wide ledger of what vipd added to the kernel: only what vipd's own add created is ever removed, and
 * adding again what vipd holds keeps it vipd's although the kernel then answers "present".
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AddressSpec } from '../../src/core/net.js';
import type { AddressPort } from '../../src/core/ports.js';
import { KernelLedger } from '../../src/daemon/ledger.js';

const VIP: AddressSpec = { family: 4, address: '192.0.2.100', prefix: 24, dev: 'eth0' };

function kernel(initially: string[] = []) {
  const present = new Set(initially);
  const calls: string[] = [];
  const port: AddressPort = {
    add: async (s) => {
      calls.push(`add ${s.address}`);
      if (present.has(s.address)) return 'present';
      present.add(s.address);
      return 'added';
    },
    remove: async (s) => {
      calls.push(`remove ${s.address}`);
      return present.delete(s.address) ? 'removed' : 'absent';
    },
    list: async () => [],
    close: () => undefined,
  };
  return { present, calls, ledger: new KernelLedger({ addresses: port }, pino({ level: 'silent' })) };
}

describe('KernelLedger', () => {
  it("knows an add still waiting for the kernel's answer (a listing without it is not a deletion yet)", async () => {
    const k = kernel();
    const added = k.ledger.addAddress('VI_1', VIP);
    expect(k.ledger.addingAddress(VIP)).toBe(true);
    await added;
    await Promise.resolve();
    expect(k.ledger.addingAddress(VIP)).toBe(false);
    expect(k.ledger.addingAddress({ ...VIP, address: '192.0.2.101' })).toBe(false);
  });

  it('removes what its add created', async () => {
    const k = kernel();
    expect(await k.ledger.addAddress('VI_1', VIP)).toBe(true);
    expect(k.ledger.ownsAddress('192.0.2.100')).toBe(true);
    await k.ledger.removeAddress(VIP);
    expect(k.present.has(VIP.address)).toBe(false);
    expect(k.ledger.ownsAddress('192.0.2.100')).toBe(false);
  });

  it('never removes an address that was there before', async () => {
    const k = kernel([VIP.address]);
    expect(await k.ledger.addAddress('VI_1', VIP)).toBe(false);
    await k.ledger.removeAddress(VIP);
    await k.ledger.releaseAll();
    expect(k.present.has(VIP.address)).toBe(true);
    expect(k.calls).toEqual(['add 192.0.2.100']);
  });

  it('adding again what it holds keeps it its own ("present" from the kernel), so stop still removes it', async () => {
    const k = kernel();
    const first = k.ledger.addAddress('VI_1', VIP);
    const again = k.ledger.addAddress('VI_1', VIP); // before the first answer: the kernel will say "present"
    expect(await first).toBe(true);
    expect(await again).toBe(true);
    await k.ledger.releaseAll();
    expect(k.present.has(VIP.address)).toBe(false);
  });

  it('releases by owner and in whole', async () => {
    const k = kernel();
    const other: AddressSpec = { ...VIP, address: '192.0.2.101' };
    await k.ledger.addAddress('VI_1', VIP);
    await k.ledger.addAddress('VI_2', other);
    expect(k.ledger.addressesOf('VI_2')).toEqual([other]);
    await k.ledger.releaseAll();
    expect([...k.present]).toEqual([]);
  });
});
