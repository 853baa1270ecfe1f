import { describe, expect, it } from 'vitest';
import {
  certificate,
  hour,
  secretOf,
  selfSignedIssuer,
  settle,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe('renewal: the engine wakes at the renewal time from its requeue heap', () => {
  // How long before notAfter each spec renews a certificate that lasts 3 hours.
  it.each([
    ['by default, when 2/3 of the lifetime has passed', {}, hour],
    ['renewBefore', { renewBefore: '30m' }, hour / 2],
    ['renewBeforePercentage', { renewBeforePercentage: 25 }, (3 * hour) / 4],
  ])('%s', async (_name, renewal, renewBeforeMs) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const issuing: string[] = [];
    engine.on('certificate:issuing', (e) => issuing.push(e.reason));
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned', { duration: '3h', ...renewal }),
    ]);
    const first = await waitForRevision(engine, 'web', 1);
    const { leaf: firstLeaf } = await secretOf(engine, 'web-tls');
    const renewalAt = firstLeaf.notAfter.getTime() - renewBeforeMs;
    expect(first.status?.renewalTime).toBe(new Date(renewalAt).toISOString());
    expect(first.status?.notAfter).toBe(firstLeaf.notAfter.toISOString());
    expect(issuing).toEqual(['DoesNotExist']);

    // One second before the renewal time nothing happens...
    await clock.advance(renewalAt - clock.now() - 1_000);
    await settle();
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBe(1);
    expect(await engine.list('CertificateRequest')).toHaveLength(1);
    expect(issuing).toEqual(['DoesNotExist']);

    // ...and at the renewal time the next revision is issued into the same Secret.
    await clock.advance(1_000);
    const second = await waitForRevision(engine, 'web', 2);
    expect(issuing).toEqual(['DoesNotExist', 'Renewing']);
    const { secret, leaf } = await secretOf(engine, 'web-tls');
    expect(leaf.serialNumber).not.toBe(firstLeaf.serialNumber);
    expect(leaf.notBefore.getTime()).toBe(renewalAt);
    expect(second.status?.renewalTime).toBe(
      new Date(leaf.notAfter.getTime() - renewBeforeMs).toISOString(),
    );
    expect(secret.metadata.annotations?.['cert-manager.io/certificate-name']).toBe('web');
    expect((await engine.list('CertificateRequest')).map((r) => r.metadata.name).sort()).toEqual([
      'web-1',
      'web-2',
    ]);
    // Ready stayed True while it renewed.
    expect(second.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('Ready');
  });

  it('keeps exactly one timer per due object: no periodic scan between issuance and renewal', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('a', 'selfsigned', { duration: '3h' }),
      certificate('b', 'selfsigned', { duration: '6h' }),
    ]);
    await waitForRevision(engine, 'a', 1);
    await waitForRevision(engine, 'b', 1);
    await settle();
    // The certificates queue holds both renewals in its heap behind one timer of the clock.
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(2 * hour);
    await waitForRevision(engine, 'a', 2);
    expect((await engine.get('Certificate', 'b'))?.status?.revision).toBe(1);
    await settle();
    expect(clock.pendingTimers()).toBe(1);
  });
});
