// The account key may come as PKCS#8, SEC1 or PKCS#1 PEM; the account (its JWK thumbprint, hence
// every key authorization) is the same whatever the encoding.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAcmeClientPort } from '../../../src/acme/index.js';

const port = createAcmeClientPort();
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';

function keyAuthorization(accountKeyPem: string): Promise<string> {
  return port
    .client({ directoryUrl: 'https://acme.test/dir', accountKeyPem })
    .keyAuthorization(TOKEN);
}

describe('account key encodings', () => {
  it.each([{ curve: 'P-256' }, { curve: 'P-384' }, { curve: 'P-521' }])(
    'ECDSA $curve as PKCS#8 and SEC1 give the same key authorization',
    async ({ curve }) => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
      expect(sec1).toContain('BEGIN EC PRIVATE KEY');
      const fromPkcs8 = await keyAuthorization(pkcs8);
      expect(fromPkcs8).toMatch(new RegExp(`^${TOKEN}\\.[A-Za-z0-9_-]{43}$`));
      expect(await keyAuthorization(sec1)).toBe(fromPkcs8);
    },
  );

  it('RSA as PKCS#8 and PKCS#1 give the same key authorization', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(await keyAuthorization(pkcs1)).toBe(await keyAuthorization(pkcs8));
  });

  it('different keys give different key authorizations', async () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await keyAuthorization(a.export({ type: 'pkcs8', format: 'pem' }).toString())).not.toBe(
      await keyAuthorization(b.export({ type: 'pkcs8', format: 'pem' }).toString()),
    );
  });
});
