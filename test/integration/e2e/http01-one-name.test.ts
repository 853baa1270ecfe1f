import { describe, expect, it, vi } from 'vitest';
import type { ChallengeTransitionEvent } from '../../../src/events.js';
import {
  certificate,
  opensslText,
  secretKeyMatches,
  useE2E,
  verifyWithOpenssl,
} from '../../helpers/e2e.js';

describe('one name over HTTP-01 against Pebble', () => {
  const setup = useE2E();

  it('turns a Certificate into a signed certificate in a Secret, through every resource', async () => {
    const e2e = setup();
    const { engine, pebble, http01 } = e2e;
    const transitions: ChallengeTransitionEvent[] = [];
    engine.on('challenge:transition', (e) => transitions.push(e));
    const issued: string[] = [];
    engine.on('certificate:issued', (e) => issued.push(e.certificate.metadata.name));
    await engine.apply([
      e2e.issuer('pebble', [{ http01: { ingress: {} } }]),
      certificate('web', 'pebble', ['web.example.test']),
    ]);
    await engine.start();
    const ready = await engine.waitFor('Certificate', 'web', 'Ready', { timeoutMs: 60_000 });
    expect(ready.status?.revision).toBe(1);
    // The event follows the Store write that waitFor saw.
    await vi.waitFor(() => expect(issued).toEqual(['web']));

    const secret = await engine.get('Secret', 'web-tls');
    expect(secret?.type).toBe('kubernetes.io/tls');
    expect(await verifyWithOpenssl(pebble, secret!)).toMatch(/leaf\.pem: OK/);
    expect(await secretKeyMatches(secret!)).toBe(true);
    const text = await opensslText(secret!);
    expect(text).toContain('DNS:web.example.test');
    expect(text).toMatch(/id-ecPublicKey|ecPublicKey/);
    expect(secret!.metadata.annotations?.['cert-manager.io/certificate-name']).toBe('web');
    expect(secret!.metadata.annotations?.['cert-manager.io/alt-names']).toBe('web.example.test');
    expect(ready.status?.notAfter).toBeDefined();
    expect(Date.parse(ready.status!.renewalTime!)).toBeLessThan(
      Date.parse(ready.status!.notAfter!),
    );

    // The chain of resources is all there, each in its final state.
    const [request] = await engine.list('CertificateRequest');
    expect(request?.metadata.name).toBe('web-1');
    expect(request?.status?.conditions?.find((c) => c.type === 'Approved')?.status).toBe('True');
    const [order] = await engine.list('Order');
    expect(order?.status?.state).toBe('valid');
    // A fresh name on a fresh Pebble: no authorization to reuse, so there is one challenge.
    const challenges = await engine.list('Challenge');
    expect(challenges).toHaveLength(1);
    expect(challenges[0]?.status?.phase).toBe('Valid');
    expect(challenges[0]?.status?.presented).toBe(false);
    expect(challenges[0]?.spec.type).toBe('HTTP-01');
    // It walked the machine in order.
    expect(transitions.map((t) => t.to)).toEqual([
      'Scheduled',
      'Presenting',
      'SelfCheck',
      'Accepted',
      'Valid',
    ]);
    // Clean-up ran: the solver no longer serves any token.
    expect(http01.tokens()).toBe(0);
    // No private key material in the events.
    expect(JSON.stringify(transitions)).not.toContain('PRIVATE KEY');
  });
});
