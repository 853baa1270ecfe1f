import { describe, expect, it } from 'vitest';
import {
  certificate,
  opensslText,
  secretKeyMatches,
  useE2E,
  verifyWithOpenssl,
} from '../../helpers/e2e.js';

describe('five names over HTTP-01 against Pebble', () => {
  const setup = useE2E();

  it('issues one certificate covering all five names', async () => {
    const e2e = setup();
    const { engine, pebble } = e2e;
    const names = ['a.five.test', 'b.five.test', 'c.five.test', 'd.five.test', 'e.five.test'];
    await engine.apply([
      e2e.issuer('pebble', [{ http01: {} }]),
      certificate('five', 'pebble', names, { commonName: 'a.five.test' }),
    ]);
    await engine.start();
    await engine.waitFor('Certificate', 'five', 'Ready', { timeoutMs: 90_000 });
    const secret = (await engine.get('Secret', 'five-tls'))!;
    expect(await verifyWithOpenssl(pebble, secret)).toMatch(/OK/);
    expect(await secretKeyMatches(secret)).toBe(true);
    const text = await opensslText(secret);
    for (const n of names) expect(text).toContain(`DNS:${n}`);
    const [order] = await engine.list('Order');
    expect(order?.status?.authorizations).toHaveLength(5);
    for (const c of await engine.list('Challenge')) expect(c.status?.phase).toBe('Valid');
  });
});
