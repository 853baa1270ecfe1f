import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { orderChain, parseCertificate, splitPemChain } from '../../../src/crypto/index.js';
import { createWorkdir, type Workdir } from './openssl.js';

let work: Workdir;
const pems: Record<string, string> = {};

const EC = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

async function selfSigned(name: string, subject: string): Promise<void> {
  await work.opensslOk('genpkey', ...EC, '-out', `${name}.key`);
  await work.opensslOk(
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-out',
    `${name}.pem`,
  );
  pems[name] = splitPemChain(await work.read(`${name}.pem`))[0] ?? '';
}

async function issued(name: string, subject: string, issuer: string, ext: string): Promise<void> {
  await work.opensslOk('genpkey', ...EC, '-out', `${name}.key`);
  await work.opensslOk(
    'req',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    subject,
    '-out',
    `${name}.csr`,
  );
  await work.write(
    `${name}.ext`,
    `${ext}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
  );
  await work.opensslOk(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    '10',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
  pems[name] = splitPemChain(await work.read(`${name}.pem`))[0] ?? '';
}

const CA_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign';
const LEAF_EXT = 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:leaf.example.test';

beforeAll(async () => {
  work = await createWorkdir();
  await selfSigned('root', '/O=Acme/CN=Acme Root');
  await issued('inter', '/O=Acme/CN=Acme Intermediate', 'root', CA_EXT);
  await issued('leaf', '/CN=leaf.example.test', 'inter', LEAF_EXT);
  // Same name as the intermediate, another key: only the key identifiers tell them apart.
  await issued('inter-old', '/O=Acme/CN=Acme Intermediate', 'root', CA_EXT);
  await selfSigned('stranger', '/O=Elsewhere/CN=Unrelated Root');
  // The chain must really verify, or the test would prove nothing about order.
  await work.opensslOk('verify', '-CAfile', 'root.pem', '-untrusted', 'inter.pem', 'leaf.pem');
});
afterAll(async () => {
  await work.remove();
});

const get = (...names: string[]) => names.map((name) => pems[name] ?? '');

describe('orderChain on a 3-level chain made by openssl', () => {
  const orders = [
    ['root', 'inter', 'leaf'],
    ['inter', 'root', 'leaf'],
    ['root', 'leaf', 'inter'],
    ['leaf', 'root', 'inter'],
    ['inter', 'leaf', 'root'],
    ['leaf', 'inter', 'root'],
  ];
  it.each(orders)('%s, %s, %s → leaf, intermediate, root', (...order) => {
    expect(orderChain(get(...order))).toEqual(get('leaf', 'inter', 'root'));
  });

  it('drops an unrelated root, a superseded intermediate and duplicates', () => {
    const input = get('stranger', 'inter-old', 'root', 'leaf', 'inter', 'leaf');
    expect(orderChain(input)).toEqual(get('leaf', 'inter', 'root'));
  });

  it('accepts one PEM bundle as well as one certificate per string', () => {
    expect(orderChain([get('inter', 'root', 'leaf').join('\n')])).toEqual(
      get('leaf', 'inter', 'root'),
    );
  });

  it('stops at the last issuer present when the root is missing', () => {
    expect(orderChain(get('inter', 'leaf'))).toEqual(get('leaf', 'inter'));
  });

  it('gives a lone certificate back and [] for nothing', () => {
    expect(orderChain(get('root'))).toEqual(get('root'));
    expect(orderChain([])).toEqual([]);
  });

  it('really follows the key identifiers', () => {
    const leaf = parseCertificate(pems.leaf ?? '');
    const inter = parseCertificate(pems.inter ?? '');
    const old = parseCertificate(pems['inter-old'] ?? '');
    expect(old.subjectText).toBe(inter.subjectText);
    expect(leaf.authorityKeyIdentifier).toBe(inter.subjectKeyIdentifier);
    expect(leaf.authorityKeyIdentifier).not.toBe(old.subjectKeyIdentifier);
  });

  it('a malformed certificate is a CryptoError', () => {
    let caught: unknown;
    try {
      orderChain(['-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n']);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught, 'ERR_CRYPTO')).toBe(true);
  });
});
