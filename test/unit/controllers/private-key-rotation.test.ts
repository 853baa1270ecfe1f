import { describe, expect, it } from 'vitest';
import {
  hour,
  secretOf,
  selfSignedIssuer,
  certificate,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe('private keys: rotationPolicy and key spec on reissuance', () => {
  it.each([
    ['Always makes a new key on renewal', 'Always', undefined, false],
    ['Never reuses the key while it fits the spec', 'Never', undefined, true],
    [
      'Never still makes a new key when the key spec changed',
      'Never',
      { algorithm: 'ECDSA', size: 384 },
      false,
    ],
    [
      'Never still makes a new key when the algorithm changed',
      'Never',
      { algorithm: 'Ed25519' },
      false,
    ],
  ] as const)('%s', async (_name, rotationPolicy, nextKey, sameKey) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const spec = {
      duration: '3h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy, encoding: 'PKCS8' },
    };
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned', spec)]);
    await waitForRevision(engine, 'web', 1);
    const before = await secretOf(engine, 'web-tls');
    if (nextKey === undefined) {
      await clock.advance(2 * hour); // the renewal time
    } else {
      await engine.apply(
        certificate('web', 'selfsigned', {
          ...spec,
          privateKey: { ...nextKey, rotationPolicy, encoding: 'PKCS8' },
        }),
      );
    }
    await waitForRevision(engine, 'web', 2);
    const after = await secretOf(engine, 'web-tls');
    expect(after.leaf.serialNumber).not.toBe(before.leaf.serialNumber);
    const same = Buffer.from(after.leaf.publicKeySpki).equals(
      Buffer.from(before.leaf.publicKeySpki),
    );
    expect(same).toBe(sameKey);
    expect(after.secret.data?.['tls.key'] === before.secret.data?.['tls.key']).toBe(sameKey);
    if (nextKey !== undefined) expect(after.leaf.keyAlgorithm).toBe(nextKey.algorithm);
    // The key of the next revision is kept only while it is being issued.
    expect((await engine.list('Secret')).map((s) => s.metadata.name)).toEqual(['web-tls']);
  });
});
