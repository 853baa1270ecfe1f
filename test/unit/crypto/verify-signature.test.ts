// verifySignature answers true only for a signature made by the key in the SPKI, under the
// algorithm named, for the key algorithms and curves certflow supports; anything else is false,
// never an error.
import { ECDH, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oids } from '../../../src/crypto/der.js';
import { verifySignature } from '../../../src/crypto/signature.js';

const data = new TextEncoder().encode('certification request info');

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const ed = generateKeyPairSync('ed25519');
const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });

const rsaSig = sign('sha256', data, rsa.privateKey);
const p256Sig = sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'der' });
const p384Sig = sign('sha384', data, { key: p384.privateKey, dsaEncoding: 'der' });
const k256Sig = sign('sha256', data, { key: k256.privateKey, dsaEncoding: 'der' });
const edSig = sign(null, data, ed.privateKey);
const pssSig = sign('sha256', data, pss.privateKey);
const p256Raw = sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' });

describe('verifySignature', () => {
  it.each([
    ['RSA, sha256WithRSAEncryption', spkiOf(rsa.publicKey), oids.sha256WithRsa, rsaSig, true],
    ['P-256, ecdsa-with-SHA256', spkiOf(p256.publicKey), oids.ecdsaWithSha256, p256Sig, true],
    ['P-384, ecdsa-with-SHA384', spkiOf(p384.publicKey), oids.ecdsaWithSha384, p384Sig, true],
    ['Ed25519', spkiOf(ed.publicKey), oids.ed25519, edSig, true],
    ['another key', spkiOf(p384.publicKey), oids.ecdsaWithSha256, p256Sig, false],
    ['the wrong hash', spkiOf(p256.publicKey), oids.ecdsaWithSha384, p256Sig, false],
    ['an RSA algorithm on an EC key', spkiOf(p256.publicKey), oids.sha256WithRsa, p256Sig, false],
    ['an EC algorithm on an RSA key', spkiOf(rsa.publicKey), oids.ecdsaWithSha256, rsaSig, false],
    ['an unsupported curve', spkiOf(k256.publicKey), oids.ecdsaWithSha256, k256Sig, false],
    ['an RSA-PSS key', spkiOf(pss.publicKey), oids.sha256WithRsa, pssSig, false],
    ['an ECDSA signature as r || s', spkiOf(p256.publicKey), oids.ecdsaWithSha256, p256Raw, false],
    ['an unknown algorithm', spkiOf(p256.publicKey), '1.2.3.4', p256Sig, false],
    ['an SPKI that is not one', new Uint8Array([0x30, 0x00]), oids.ecdsaWithSha256, p256Sig, false],
    ['an empty signature', spkiOf(p256.publicKey), oids.ecdsaWithSha256, new Uint8Array(), false],
  ])('%s', async (_label, spki, algorithm, signature, expected) => {
    expect(await verifySignature(spki, algorithm, data, new Uint8Array(signature))).toBe(expected);
  });

  it('reads an EC point written compressed, and is false for a point off the curve', async () => {
    const spki = spkiOf(p256.publicKey);
    // The P-256 SPKI header with a 33-byte BIT STRING, then 02|03 ‖ x.
    const point = ECDH.convertKey(
      spki.subarray(-65),
      'prime256v1',
      undefined,
      undefined,
      'compressed',
    );
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      point as Buffer,
    ]);
    expect(await verifySignature(compressed, oids.ecdsaWithSha256, data, p256Sig)).toBe(true);
    expect(await verifySignature(compressed, oids.ecdsaWithSha256, data, p384Sig)).toBe(false);
    // An SPKI whose point has its last byte changed: no longer on P-256.
    const offCurve = spki.slice();
    const last = offCurve.length - 1;
    offCurve[last] = (offCurve[last] ?? 0) ^ 0x01;
    expect(await verifySignature(offCurve, oids.ecdsaWithSha256, data, p256Sig)).toBe(false);
  });

  it('is false for data that was not signed', async () => {
    const other = new TextEncoder().encode('something else');
    expect(
      await verifySignature(spkiOf(p256.publicKey), oids.ecdsaWithSha256, other, p256Sig),
    ).toBe(false);
  });
});
