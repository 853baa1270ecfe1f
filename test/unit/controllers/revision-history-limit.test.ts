import { describe, expect, it } from 'vitest';
import {
  certificate,
  hour,
  selfSignedIssuer,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe('revisionHistoryLimit prunes old CertificateRequests', () => {
  it.each([
    [1, ['web-4']],
    [2, ['web-3', 'web-4']],
    [undefined, ['web-1', 'web-2', 'web-3', 'web-4']],
  ])('limit %s keeps %j after three renewals', async (limit, kept) => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    await engine.apply([
      selfSignedIssuer('selfsigned'),
      certificate('web', 'selfsigned', {
        duration: '3h',
        ...(limit === undefined ? {} : { revisionHistoryLimit: limit }),
      }),
    ]);
    await waitForRevision(engine, 'web', 1);
    for (const revision of [2, 3, 4]) {
      await clock.advance(2 * hour);
      await waitForRevision(engine, 'web', revision);
    }
    const requests = await engine.list('CertificateRequest');
    expect(requests.map((r) => r.metadata.name).sort()).toEqual(kept);
    expect(
      requests.map((r) => r.metadata.annotations?.['cert-manager.io/certificate-revision']).sort(),
    ).toEqual(kept.map((name) => name.slice('web-'.length)));
  });
});
