import { describe, expect, it } from 'vitest';
import {
  AddressTexts,
  addressFamily,
  canonicalAddress,
  compareAddresses,
  formatAddress,
  isLinkLocal6,
  isMulticast,
  parseAddress,
} from '../../src/core/codec/ip-address.js';

describe('ip-address', () => {
  it.each([
    ['10.88.0.11', '0a58000b'],
    ['fe80::5837:4bff:fe8d:5f85', 'fe80000000000000' + '58374bfffe8d5f85'],
    ['ff02::12', 'ff020000000000000000000000000012'],
    ['::', '00000000000000000000000000000000'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['2001:db8:0:0:1::1', '20010db8000000000001000000000001'],
  ])('parses %s', (text, hex) => {
    expect(parseAddress(text).toString('hex')).toBe(hex);
  });

  it('formats RFC 5952 text', () => {
    expect(formatAddress(Buffer.from('20010db8000000000001000000000001', 'hex'))).toBe('2001:db8::1:0:0:1');
    expect(formatAddress(Buffer.from('fe80000000000000000000000000000a', 'hex'))).toBe('fe80::a');
    expect(formatAddress(Buffer.from('00000000000000000000000000000000', 'hex'))).toBe('::');
    expect(formatAddress(Buffer.from('20010db8000100010001000100010001', 'hex'))).toBe('2001:db8:1:1:1:1:1:1');
    expect(canonicalAddress('2001:DB8:0::1')).toBe('2001:db8::1');
  });

  it('rejects what is not an address', () => {
    expect(() => parseAddress('10.0.0')).toThrow(TypeError);
    expect(addressFamily('eth0')).toBeUndefined();
    expect(addressFamily('fe80::1%eth0')).toBe(6);
  });

  it('compares in network byte order, unsigned', () => {
    expect(compareAddresses('10.0.0.2', '10.0.0.10')).toBeLessThan(0);
    expect(compareAddresses('200.0.0.1', '10.0.0.1')).toBeGreaterThan(0);
    expect(compareAddresses('fe80::2', 'fe80::2')).toBe(0);
  });

  it('knows multicast and link-local', () => {
    expect(isMulticast('224.0.0.18')).toBe(true);
    expect(isMulticast('ff02::12')).toBe(true);
    expect(isMulticast('192.0.2.1')).toBe(false);
    expect(isLinkLocal6('fe80::1')).toBe(true);
    expect(isLinkLocal6('fec0::1')).toBe(false);
  });

  it('AddressTexts: the text of address bytes, the same string again for the same bytes, never a stale one', () => {
    const texts = new AddressTexts(2);
    const buf = Buffer.alloc(48);
    parseAddress('192.0.2.1').copy(buf, 0);
    parseAddress('2001:db8::1').copy(buf, 16);
    const first = texts.text(buf, 0, 4);
    expect(first).toBe('192.0.2.1');
    expect(texts.text(buf, 0, 4)).toBe(first);
    expect(texts.text(buf, 16, 16)).toBe('2001:db8::1');
    // The same memory rewritten (the next receive batch): the new bytes' text, not the remembered one.
    parseAddress('192.0.2.2').copy(buf, 0);
    expect(texts.text(buf, 0, 4)).toBe('192.0.2.2');
    // Past its limit it starts again and still answers right.
    parseAddress('198.51.100.7').copy(buf, 0);
    expect(texts.text(buf, 0, 4)).toBe('198.51.100.7');
    expect(texts.text(buf, 16, 16)).toBe('2001:db8::1');
    // Four zero bytes and the first four of sixteen zero bytes are different addresses.
    expect(texts.text(Buffer.alloc(16), 0, 4)).toBe('0.0.0.0');
    expect(texts.text(Buffer.alloc(16), 0, 16)).toBe('::');
  });
});
