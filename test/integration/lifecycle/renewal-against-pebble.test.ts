import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { splitPemChain, parseCertificate } from '../../../src/crypto/index.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import {
  certificate,
  secretKeyMatches,
  startE2E,
  verifyWithOpenssl,
  type E2E,
} from '../../helpers/e2e.js';

const day = 24 * 3_600_000;

describe('renewal against Pebble, with the engine’s clock moved past the renewal time', () => {
  let e2e: E2E;
  let clock: FakeClock;
  let pump: NodeJS.Timeout;
  beforeAll(async () => {
    // ACME and TLS run in real time; only the engine's scheduling follows this clock, which keeps
    // up with the wall clock (the challenge machine's timers need it to move) until the test
    // jumps it forward.
    clock = createFakeClock(Date.now());
    pump = setInterval(() => void clock.advance(25), 25);
    e2e = await startE2E({ clock });
  });
  afterAll(async () => {
    clearInterval(pump);
    await e2e?.stop();
  });

  it('issues revision 2 into the same Secret', async () => {
    const { engine, pebble } = e2e;
    const issuing: string[] = [];
    engine.on('certificate:issuing', (e) => issuing.push(e.reason));
    await engine.apply([
      e2e.issuer('pebble', [{ http01: {} }]),
      // Pebble's certificates last 5 years; renew when 99% of that remains (after ~18 days).
      certificate('web', 'pebble', ['renew.example.test'], { renewBeforePercentage: 99 }),
    ]);
    await engine.start();
    const wait = (revision: number) =>
      vi.waitFor(
        async () => {
          const cert = await engine.get('Certificate', 'web');
          if (cert?.status?.revision !== revision) throw new Error(`at ${cert?.status?.revision}`);
          return cert;
        },
        { timeout: 60_000, interval: 50 },
      );
    const first = await wait(1);
    const firstSecret = (await engine.get('Secret', 'web-tls'))!;
    const firstLeaf = parseCertificate(splitPemChain(firstSecret.data!['tls.crt']!)[0]!);
    const renewalAt = Date.parse(first.status!.renewalTime!);
    const lifetime = firstLeaf.notAfter.getTime() - firstLeaf.notBefore.getTime();
    expect(renewalAt).toBe(
      Math.floor((firstLeaf.notAfter.getTime() - Math.trunc(lifetime * 0.99)) / 1000) * 1000,
    );
    expect(renewalAt - clock.now()).toBeGreaterThan(17 * day);

    // Each certificate renews ~18 days after Pebble signs it, and the jumped clock stays ~18
    // days ahead: so that revision 2 does not fall due at once, let a few seconds pass first,
    // and stop the clock once revision 2 is there.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Move the engine's clock to the renewal time: the requeue heap wakes the Certificate.
    await clock.advance(renewalAt - clock.now());
    const second = await wait(2);
    clearInterval(pump);
    expect(issuing).toEqual(['DoesNotExist', 'Renewing']);
    const secret = (await engine.get('Secret', 'web-tls'))!;
    expect(secret.metadata.uid).toBe(firstSecret.metadata.uid);
    const leaf = parseCertificate(splitPemChain(secret.data!['tls.crt']!)[0]!);
    expect(leaf.serialNumber).not.toBe(firstLeaf.serialNumber);
    expect(leaf.dnsNames).toEqual(['renew.example.test']);
    expect(second.status?.notAfter).toBe(leaf.notAfter.toISOString());
    expect(await verifyWithOpenssl(pebble, secret)).toMatch(/leaf\.pem: OK/);
    expect(await secretKeyMatches(secret)).toBe(true);
    // A new key (rotationPolicy Always, the default) and a new request for the revision.
    expect(secret.data?.['tls.key']).not.toBe(firstSecret.data?.['tls.key']);
    // Nothing more follows.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await engine.get('Certificate', 'web'))?.status?.revision).toBe(2);
    const requests = await engine.list('CertificateRequest');
    expect(requests.map((r) => r.metadata.name).sort()).toEqual(['web-1', 'web-2']);
    expect(
      requests.every((r) =>
        r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ),
    ).toBe(true);
  });
});
