import { describe, expect, it } from 'vitest';
import { certificate, opensslText, useE2E, verifyWithOpenssl } from '../../helpers/e2e.js';

describe('HTTP-01 and DNS-01 picked per name by selectors in one Certificate', () => {
  const setup = useE2E();

  it('uses DNS-01 for the dnsZones match and the wildcard, HTTP-01 for the rest', async () => {
    const e2e = setup();
    const { engine, pebble } = e2e;
    await engine.apply([
      e2e.issuer('mixed', [
        { http01: { ingress: { ingressClassName: 'nginx' } } },
        {
          selector: { dnsZones: ['dns.mixed.test'] },
          dns01: { webhook: { groupName: 'acme.example.test', solverName: 'challtestsrv' } },
        },
        {
          selector: { dnsNames: ['exact.mixed.test'] },
          dns01: { webhook: { groupName: 'acme.example.test', solverName: 'challtestsrv' } },
        },
      ]),
      certificate('mixed', 'mixed', ['www.mixed.test', 'a.dns.mixed.test', 'exact.mixed.test']),
    ]);
    const types = new Map<string, string>();
    engine.on('challenge:transition', ({ challenge }) =>
      types.set(challenge.spec.dnsName, challenge.spec.type),
    );
    await engine.start();
    await engine.waitFor('Certificate', 'mixed', 'Ready', { timeoutMs: 90_000 });
    const secret = (await engine.get('Secret', 'mixed-tls'))!;
    expect(await verifyWithOpenssl(pebble, secret)).toMatch(/OK/);
    const text = await opensslText(secret);
    expect(text).toContain('DNS:www.mixed.test');
    const byName = new Map(
      (await engine.list('Challenge')).map((c) => [c.spec.dnsName, c.spec.type]),
    );
    // Fresh names on a fresh Pebble: no authorization is reused, so each name had a challenge.
    expect(Object.fromEntries(byName)).toEqual({
      'www.mixed.test': 'HTTP-01',
      'a.dns.mixed.test': 'DNS-01',
      'exact.mixed.test': 'DNS-01',
    });
    expect(Object.fromEntries(types)).toEqual(Object.fromEntries(byName));
  });
});
