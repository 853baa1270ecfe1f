import { describe, expect, it } from 'vitest';
import { canonicalIpAddress } from '../../../src/crypto/index.js';
import { formatIpAddress, parseIpAddress } from '../../../src/crypto/ip.js';

describe('canonicalIpAddress', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIpAddress(input)).toBe(expected);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    ' 1.2.3.4',
    ':::',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    'fe80::1%eth0',
    '::1.2.3',
    'g::1',
    'example.test',
  ])('%j is not an IP address', (input) => {
    expect(canonicalIpAddress(input)).toBeUndefined();
  });

  it('encodes 4 and 16 bytes and formats nothing else', () => {
    expect(parseIpAddress('10.1.2.3')).toEqual(new Uint8Array([10, 1, 2, 3]));
    expect(parseIpAddress('::2')?.byteLength).toBe(16);
    expect(formatIpAddress(new Uint8Array(8))).toBeUndefined();
  });
});
