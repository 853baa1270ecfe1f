import { describe, expect, it } from 'vitest';
import { Resolver } from 'node:dns/promises';
import {
  certificate,
  opensslText,
  secretKeyMatches,
  useE2E,
  verifyWithOpenssl,
} from '../../helpers/e2e.js';

describe('a wildcard and its apex over DNS-01 in one Certificate', () => {
  const setup = useE2E();

  it('issues *.wild.test and wild.test and removes the TXT records afterwards', async () => {
    const e2e = setup();
    const { engine, pebble } = e2e;
    await engine.apply([
      e2e.issuer('pebble-dns', [
        { dns01: { webhook: { groupName: 'acme.example.test', solverName: 'challtestsrv' } } },
      ]),
      certificate('wild', 'pebble-dns', ['*.wild.test', 'wild.test']),
    ]);
    await engine.start();
    await engine.waitFor('Certificate', 'wild', 'Ready', { timeoutMs: 90_000 });
    const secret = (await engine.get('Secret', 'wild-tls'))!;
    expect(await verifyWithOpenssl(pebble, secret)).toMatch(/OK/);
    expect(await secretKeyMatches(secret)).toBe(true);
    const text = await opensslText(secret);
    expect(text).toContain('DNS:*.wild.test');
    expect(text).toContain('DNS:wild.test');
    const challenges = await engine.list('Challenge');
    for (const c of challenges) {
      expect(c.spec.type).toBe('DNS-01');
      expect(c.status?.phase).toBe('Valid');
      expect(c.status?.presented).toBe(false);
    }
    // Clean-up removed the record from the DNS server.
    const resolver = new Resolver();
    resolver.setServers([pebble.challtestsrv.dnsAddress]);
    const txt = await resolver.resolveTxt('_acme-challenge.wild.test').catch(() => []);
    expect(txt.flat()).toEqual([]);
  });
});
