// Controllers read issuers from memory while they are unchanged; a change to the Issuer must be
// seen by the next request all the same.
import { describe, expect, it } from 'vitest';
import {
  caIssuer,
  caSecret,
  certificate,
  day,
  hour,
  secretOf,
  startEngine,
  waitForRevision,
} from './engine-fixture.js';

describe('an Issuer changed between two issuances', () => {
  it('signs the next request with the CA the Issuer names now', async () => {
    const fixture = await startEngine();
    const { engine, clock } = fixture;
    const validity = { notBefore: clock.now() - hour, notAfter: clock.now() + 365 * day };
    const first = await caSecret('ca-one', { ...validity, commonName: 'First CA' });
    const second = await caSecret('ca-two', { ...validity, commonName: 'Second CA' });
    await engine.apply([first.manifest, second.manifest, caIssuer('ca', 'ca-one')]);
    await engine.apply(certificate('web', 'ca'));
    await waitForRevision(engine, 'web', 1);
    expect((await secretOf(engine, 'web-tls')).leaf.issuer.commonName).toBe('First CA');

    await engine.apply(caIssuer('ca', 'ca-two'));
    // A new name is a new request: issued by whatever the Issuer says at that moment.
    await engine.apply(certificate('web', 'ca', { dnsNames: ['www.example.test'] }));
    await waitForRevision(engine, 'web', 2);
    expect((await secretOf(engine, 'web-tls')).leaf.issuer.commonName).toBe('Second CA');
  });
});
