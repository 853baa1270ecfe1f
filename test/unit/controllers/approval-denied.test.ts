import { describe, expect, it } from 'vitest';
import type { CertificateRequest } from '../../../src/domain/types.js';
import {
  certificate,
  day,
  nextEvent,
  selfSignedIssuer,
  settle,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe("approval: the host's approver approves or denies with a reason", () => {
  it('a denied request makes the Certificate Ready=False with the reason, not retried until the spec changes', async () => {
    const seen: CertificateRequest[] = [];
    const fixture = await startEngine({
      approver: (request) => {
        seen.push(request);
        return seen.length === 1
          ? { approved: false, reason: 'web.example.test is not on the allow list' }
          : { approved: true, reason: 'approved by policy' };
      },
    });
    const { engine, clock } = fixture;
    const failed = nextEvent(engine, 'certificate:failed');
    await engine.apply([selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')]);
    const event = await failed;
    expect(event.reason).toBe('Denied');
    expect(event.message).toContain('web.example.test is not on the allow list');

    const cert = await engine.get('Certificate', 'web');
    expect(cert?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Denied',
      message: expect.stringContaining('web.example.test is not on the allow list') as string,
    });
    const [request] = await engine.list('CertificateRequest');
    expect(request?.status?.conditions?.find((c) => c.type === 'Denied')).toMatchObject({
      status: 'True',
      message: 'web.example.test is not on the allow list',
    });
    expect(request?.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('Denied');

    // Not retried, however long: the approver would be asked the same question.
    await clock.advance(100 * day);
    await settle();
    expect(seen).toHaveLength(1);
    expect(await engine.list('CertificateRequest')).toHaveLength(1);
    expect(await engine.get('Secret', 'web-tls')).toBeUndefined();

    // A spec change asks again, at once.
    await engine.apply(certificate('web', 'selfsigned', { dnsNames: ['www.example.test'] }));
    const issued = await waitForRevision(engine, 'web', 1);
    expect(seen).toHaveLength(2);
    const [approved] = await engine.list('CertificateRequest');
    expect(approved?.status?.conditions?.find((c) => c.type === 'Approved')).toMatchObject({
      status: 'True',
      message: 'approved by policy',
    });
    expect(issued.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
