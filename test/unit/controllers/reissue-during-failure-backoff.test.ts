import { describe, expect, it } from 'vitest';
import {
  caIssuer,
  caSecret,
  certificate,
  day,
  eventually,
  hour,
  nextEvent,
  settle,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe('a spec change retries at once, without waiting out the failure backoff', () => {
  it('backs off after a failure, and skips the backoff when the spec changes', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const failures: number[] = [];
    engine.on('certificate:failed', (e) => failures.push(e.failedIssuanceAttempts));
    // A CA whose certificate has expired: its requests fail.
    const expired = await caSecret('ca', {
      notBefore: clock.now() - 2 * day,
      notAfter: clock.now() - day,
    });
    const failed = nextEvent(engine, 'certificate:failed');
    await engine.apply([expired.manifest, caIssuer('ca', 'ca'), certificate('web', 'ca')]);
    const first = await failed;
    expect(first.reason).toBe('Failed');
    expect(first.message).toMatch(/expired/);
    const cert = await engine.get('Certificate', 'web');
    expect(cert?.status?.failedIssuanceAttempts).toBe(1);
    expect(cert?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Failed',
    });
    expect(cert?.status?.conditions?.find((c) => c.type === 'Issuing')).toMatchObject({
      status: 'False',
      observedGeneration: 1,
    });

    // Within the backoff (1 hour after the first failure) nothing is retried.
    await clock.advance(30 * 60_000);
    await settle();
    expect(failures).toEqual([1]);
    const [request] = await engine.list('CertificateRequest');
    expect(request?.metadata.annotations?.['certflow.io/issuance-attempt']).toBe('0');

    // A spec change retries at once with a new request.
    const start = clock.now();
    const second = nextEvent(engine, 'certificate:failed');
    await engine.apply(
      certificate('web', 'ca', { dnsNames: ['web.example.test', 'www.example.test'] }),
    );
    await second;
    expect(clock.now()).toBe(start);
    expect(failures).toEqual([1, 2]);
    const [retry] = await engine.list('CertificateRequest');
    expect(retry?.metadata.annotations?.['certflow.io/issuance-attempt']).toBe('1');
    expect(retry?.metadata.uid).not.toBe(request?.metadata.uid);

    // Fixing the CA alone waits for the backoff (now 2 hours)...
    const valid = await caSecret('ca', {
      notBefore: clock.now() - hour,
      notAfter: clock.now() + 30 * day,
    });
    await engine.apply(valid.manifest);
    await settle();
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBeUndefined();
    // ...and a spec change issues at once.
    await engine.apply(certificate('web', 'ca', { dnsNames: ['www.example.test'] }));
    const issued = await waitForRevision(engine, 'web', 1);
    expect(clock.now()).toBe(start);
    expect(issued.status?.failedIssuanceAttempts).toBe(0);
    expect(issued.status?.lastFailureTime).toBeUndefined();
  });

  it('retries when the backoff is over', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const failures: number[] = [];
    engine.on('certificate:failed', (e) => failures.push(e.failedIssuanceAttempts));
    const expired = await caSecret('ca', {
      notBefore: clock.now() - 2 * day,
      notAfter: clock.now() - day,
    });
    const failed = nextEvent(engine, 'certificate:failed');
    await engine.apply([expired.manifest, caIssuer('ca', 'ca'), certificate('web', 'ca')]);
    await failed;
    await settle();
    await clock.advance(hour - 1_000);
    await settle();
    expect(failures).toEqual([1]);
    await clock.advance(1_000);
    await eventually(() => expect(failures).toEqual([1, 2]));
  });
});
