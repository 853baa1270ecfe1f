import { describe, expect, it } from 'vitest';
import { KeyPairCache } from '../../../src/controllers/certificates/secret-evaluation.js';

// The cache only ever hands back what parse() produced for the same PEM text.
function counter() {
  let calls = 0;
  const parse = async () => {
    calls++;
    return { needsIssuance: true as const, reason: 'InvalidKeyPair', message: `parse ${calls}` };
  };
  return { parse, calls: () => calls };
}

describe('KeyPairCache', () => {
  it('parses a Secret once while its PEM text is unchanged', async () => {
    const cache = new KeyPairCache();
    const { parse, calls } = counter();
    const a = await cache.lookup('ns/web-tls', 'KEY1', 'CRT1', parse);
    const b = await cache.lookup('ns/web-tls', 'KEY1', 'CRT1', parse);
    expect(calls()).toBe(1);
    expect(b).toBe(a);
  });

  it('parses again when the key or the certificate changed', async () => {
    const cache = new KeyPairCache();
    const { parse, calls } = counter();
    await cache.lookup('ns/web-tls', 'KEY1', 'CRT1', parse);
    await cache.lookup('ns/web-tls', 'KEY2', 'CRT1', parse);
    await cache.lookup('ns/web-tls', 'KEY2', 'CRT2', parse);
    expect(calls()).toBe(3);
  });

  it('keeps Secrets apart and forgets the oldest past its limit', async () => {
    const cache = new KeyPairCache(2);
    const { parse, calls } = counter();
    await cache.lookup('ns/a', 'K', 'C', parse);
    await cache.lookup('ns/b', 'K', 'C', parse);
    await cache.lookup('ns/c', 'K', 'C', parse); // evicts ns/a
    expect(calls()).toBe(3);
    await cache.lookup('ns/c', 'K', 'C', parse);
    await cache.lookup('ns/b', 'K', 'C', parse);
    expect(calls()).toBe(3);
    await cache.lookup('ns/a', 'K', 'C', parse);
    expect(calls()).toBe(4);
  });
});
