import { describe, expect, it } from 'vitest';
import {
  evaluateSecret,
  KeyPairCache,
} from '../../../src/controllers/certificates/secret-evaluation.js';
import type { Certificate, Secret } from '../../../src/domain/types.js';
import { caSecret, hour } from './engine-fixture.js';

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

describe('KeyPairCache: Secrets of issuing Certificates', () => {
  const secret = (name: string) => ({ metadata: { namespace: 'ns', name } }) as Secret;

  it('keeps a held entry however many others pass through the LRU', async () => {
    const cache = new KeyPairCache(2);
    const { parse, calls } = counter();
    await cache.lookup('ns/a', 'K', 'C', parse);
    cache.hold(secret('a'), true);
    expect(cache.heldCount).toBe(1);
    for (const other of ['b', 'c', 'd', 'e']) await cache.lookup(`ns/${other}`, 'K', 'C', parse);
    expect(calls()).toBe(5);
    await cache.lookup('ns/a', 'K', 'C', parse);
    expect(calls()).toBe(5);
  });

  it('parses a held Secret again when its text changed, and keeps holding it', async () => {
    const cache = new KeyPairCache(1);
    const { parse, calls } = counter();
    await cache.lookup('ns/a', 'K1', 'C1', parse);
    cache.hold(secret('a'), true);
    await cache.lookup('ns/a', 'K2', 'C2', parse);
    await cache.lookup('ns/b', 'K', 'C', parse);
    await cache.lookup('ns/c', 'K', 'C', parse);
    await cache.lookup('ns/a', 'K2', 'C2', parse);
    expect(calls()).toBe(4);
    expect(cache.heldCount).toBe(1);
  });

  it('returns an entry to the LRU when its issuance ends', async () => {
    const cache = new KeyPairCache(2);
    const { parse, calls } = counter();
    await cache.lookup('ns/a', 'K', 'C', parse);
    cache.hold(secret('a'), true);
    cache.hold(secret('a'), false);
    expect(cache.heldCount).toBe(0);
    // Still cached, now the newest of the LRU...
    await cache.lookup('ns/a', 'K', 'C', parse);
    expect(calls()).toBe(1);
    // ...and evicted like any other once two newer ones pass.
    await cache.lookup('ns/b', 'K', 'C', parse);
    await cache.lookup('ns/c', 'K', 'C', parse);
    await cache.lookup('ns/a', 'K', 'C', parse);
    expect(calls()).toBe(4);
  });

  it('ignores a Secret that is missing or not cached', () => {
    const cache = new KeyPairCache();
    cache.hold(undefined, true);
    cache.hold(secret('x'), true);
    cache.hold(secret('x'), false);
    expect(cache.heldCount).toBe(0);
  });
});

describe('KeyPairCache: keys this process wrote', () => {
  it('hands a written key to the first evaluation of its PEM instead of importing it', async () => {
    const cache = new KeyPairCache();
    const now = Date.now();
    const { manifest, key } = await caSecret('web-tls', {
      notBefore: now - hour,
      notAfter: now + 90 * 24 * hour,
      isCA: false,
      commonName: 'web.example.test',
    });
    const secret = manifest as unknown as Secret;
    cache.rememberWrittenKey(secret.data!['tls.key']!, key);
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        secretName: 'web-tls',
        commonName: 'web.example.test',
        issuerRef: { name: 'ca' },
        privateKey: { algorithm: 'ECDSA', size: 256 },
      },
    } as Certificate;
    const evaluation = await evaluateSecret(certificate, secret, now, undefined, cache);
    // The very object that was written: no import ran.
    expect(evaluation.key).toBe(key);
    // Taken once: a later evaluation of other text for the same Secret would import.
    expect(cache.takeWrittenKey(secret.data!['tls.key']!)).toBeUndefined();
  });

  it('keeps 100,000 written keys (more than issue at once), forgetting the oldest', async () => {
    const cache = new KeyPairCache();
    const { key } = await caSecret('any', { notBefore: 0, notAfter: hour });
    for (let i = 0; i <= 100_000; i++) cache.rememberWrittenKey(`PEM ${i}`, key);
    expect(cache.takeWrittenKey('PEM 0')).toBeUndefined();
    expect(cache.takeWrittenKey('PEM 1')).toBe(key);
    expect(cache.takeWrittenKey('PEM 100000')).toBe(key);
  });
});
