import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  managedSecret,
  secretOutputsMismatch,
} from '../../../src/controllers/certificates/secret-data.js';
import {
  evaluateSecret,
  KeyPairCache,
} from '../../../src/controllers/certificates/secret-evaluation.js';
import {
  createCsr,
  exportPrivateKeyPem,
  generatePrivateKey,
  pemDecode,
  pemEncode,
  signCertificate,
  type KeySpec,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import { publicJwk } from '../../../src/crypto/keys.js';
import type { Certificate, CertificateRequest, Secret } from '../../../src/domain/types.js';

const now = Date.parse('2026-06-01T00:00:00Z');
const day = 86_400_000;
const commonName = 'web.example.test';

afterEach(() => {
  vi.restoreAllMocks();
});

function certificateFor(privateKey: KeySpec): Certificate {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'web', namespace: 'default' },
    spec: { secretName: 'web-tls', commonName, issuerRef: { name: 'ca' }, privateKey },
  } as Certificate;
}

/** A self-signed certificate for `key`, in a Secret whose `tls.key` is `keyPem`. */
async function secretFor(key: PrivateKey, keyPem: string): Promise<Secret> {
  const { pem } = await createCsr({ subject: { commonName } }, key);
  const crt = await signCertificate({
    csr: pem,
    issuerKey: key,
    notBefore: new Date(now - day),
    notAfter: new Date(now + 90 * day),
  });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'web-tls', namespace: 'default' },
    data: { 'tls.crt': crt, 'tls.key': keyPem },
  } as Secret;
}

async function requestFor(key: PrivateKey): Promise<CertificateRequest> {
  const { pem } = await createCsr({ subject: { commonName } }, key);
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { request: Buffer.from(pem).toString('base64'), issuerRef: { name: 'ca' } },
  } as CertificateRequest;
}

describe('evaluating a Secret imports no key', () => {
  it.each([
    ['ECDSA P-256, PKCS#8', { algorithm: 'ECDSA', size: 256 }, 'PKCS8'],
    ['ECDSA P-384, SEC1', { algorithm: 'ECDSA', size: 384 }, 'PKCS1'],
    ['RSA 2048, PKCS#1', { algorithm: 'RSA', size: 2048 }, 'PKCS1'],
  ] as const)(
    '%s: up to date, and the key is imported only when loaded',
    async (_n, spec, encoding) => {
      const key = await generatePrivateKey(spec);
      const secret = await secretFor(key, await exportPrivateKeyPem(key, encoding));
      const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');

      const evaluation = await evaluateSecret(
        certificateFor(spec),
        secret,
        now,
        await requestFor(key),
        new KeyPairCache(),
      );
      expect(evaluation.needsIssuance).toBe(false);
      expect(importKey).not.toHaveBeenCalled();
      expect(evaluation.key).toBeUndefined();

      const tlsKey = evaluation.tlsKey!;
      expect(tlsKey.facts.spec).toEqual(spec);
      const loaded = await tlsKey.load();
      expect(importKey).toHaveBeenCalled();
      expect(publicJwk(loaded)).toEqual(publicJwk(key));
      expect(tlsKey.facts.publicJwk).toEqual(publicJwk(key));
      const calls = importKey.mock.calls.length;
      expect(await tlsKey.load()).toBe(loaded);
      expect(importKey.mock.calls.length).toBe(calls);
    },
  );

  it('an Ed25519 key, which only an import can read, still evaluates', async () => {
    const spec = { algorithm: 'Ed25519' } as const;
    const key = await generatePrivateKey(spec);
    const secret = await secretFor(key, await exportPrivateKeyPem(key));
    const evaluation = await evaluateSecret(certificateFor(spec), secret, now);
    expect(evaluation.needsIssuance).toBe(false);
    expect(await evaluation.tlsKey?.load()).toBe(evaluation.key);
  });
});

describe('what the key facts decide', () => {
  it('a SEC1 key carrying the certificate key’s public point is invalid, never a match', async () => {
    const secretKey = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const certificateKey = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    // SEC1 (`PKCS1` for ECDSA) is written with the point last: graft the certificate key's
    // point onto the Secret key's scalar.
    const sec1 = async (key: PrivateKey): Promise<Buffer> =>
      Buffer.from(pemDecode(await exportPrivateKeyPem(key, 'PKCS1'), 'EC PRIVATE KEY'));
    const tampered = await sec1(secretKey);
    (await sec1(certificateKey)).subarray(-65).copy(tampered, tampered.length - 65);
    const secret = await secretFor(certificateKey, pemEncode('EC PRIVATE KEY', tampered));

    const evaluation = await evaluateSecret(
      certificateFor({ algorithm: 'ECDSA', size: 256 }),
      secret,
      now,
    );
    expect(evaluation).toMatchObject({
      needsIssuance: true,
      reason: 'InvalidKeyPair',
      message:
        'Issuing certificate as Secret contains invalid private key data: ECDSA private key could not be imported',
    });
    expect(evaluation.tlsKey).toBeUndefined();
  });

  it.each([
    [
      'another key than the certificate’s',
      { algorithm: 'ECDSA', size: 256 },
      { otherKey: true },
      'InvalidKeyPair',
      'Issuing certificate as Secret contains a private key that does not match the certificate',
    ],
    [
      'a key of another algorithm than the spec’s',
      { algorithm: 'RSA', size: 2048 },
      {},
      'SecretMismatch',
      'Existing private key is not up to date for spec: [spec.privateKey.algorithm]',
    ],
    [
      'a key of another size than the spec’s',
      { algorithm: 'ECDSA', size: 384 },
      {},
      'SecretMismatch',
      'Existing private key is not up to date for spec: [spec.privateKey.size]',
    ],
    [
      'a current request made for another key',
      { algorithm: 'ECDSA', size: 256 },
      { otherRequestKey: true },
      'SecretMismatch',
      'Secret contains a private key that does not match the current CertificateRequest',
    ],
  ] as const)('%s', async (_n, spec, options, reason, message) => {
    const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const other = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
    const secret = await secretFor(
      'otherKey' in options ? other : key,
      await exportPrivateKeyPem(key),
    );
    const request = await requestFor('otherRequestKey' in options ? other : key);
    const evaluation = await evaluateSecret(certificateFor(spec), secret, now, request);
    expect(evaluation).toMatchObject({ needsIssuance: true, reason, message });
  });
});

describe('checking the Secret’s outputs imports no EC key', () => {
  it.each([
    ['P-256 asked as PKCS#8', 256, 'PKCS8', 'PKCS1'],
    ['P-384 asked as SEC1', 384, 'PKCS1', 'PKCS8'],
  ] as const)(
    '%s: the right encoding passes, the other is found',
    async (_n, size, asked, other) => {
      const spec = { algorithm: 'ECDSA', size, encoding: asked } as const;
      const certificate = certificateFor(spec);
      const key = await generatePrivateKey(spec);
      const bare = await secretFor(key, await exportPrivateKeyPem(key, asked));
      // The Secret as certflow writes it, then the same with tls.key in the other encoding.
      const content = { key, chainPem: bare.data!['tls.crt']!, caPem: '' };
      const written = await managedSecret(certificate, bare, content, {});
      const otherEncoding: Secret = {
        ...written,
        data: { ...written.data, 'tls.key': await exportPrivateKeyPem(key, other) },
      };
      const importKey = vi.spyOn(globalThis.crypto.subtle, 'importKey');

      for (const [secret, expected] of [
        [written, undefined],
        [otherEncoding, 'SecretPrivateKeyEncodingMismatch'],
      ] as const) {
        const evaluation = await evaluateSecret(
          certificate,
          secret,
          now,
          undefined,
          new KeyPairCache(),
        );
        expect(evaluation.needsIssuance).toBe(false);
        const mismatch = await secretOutputsMismatch(certificate, secret, evaluation.tlsKey!, {});
        expect(mismatch?.reason).toBe(expected);
      }
      expect(importKey).not.toHaveBeenCalled();
    },
  );
});
