import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { normaliseDnsName } from '../../../src/domain/names.js';
import { validateResource } from '../../../src/domain/validation.js';

const longLabel = 'a'.repeat(63);
// 4 labels of 61 + 3 dots + "com" = 250 characters, under the 253 limit.
const longName = `${'b'.repeat(61)}.`.repeat(4) + 'com';

describe('DNS names are normalised to the form certificates use', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['*.example.com', '*.example.com'],
    ['*.Example.com.', '*.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.Bücher.example', '*.xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['例え.テスト', 'xn--r8jz45g.xn--zckzah'],
    ['faß.de', 'xn--fa-hia.de'],
    ['ａｂｃ．com', 'abc.com'],
    [`${longLabel}.example.com`, `${longLabel}.example.com`],
    [longName, longName],
    ['localhost', 'localhost'],
    ['a-b--c.example', 'a-b--c.example'],
    ['123.example.com', '123.example.com'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseDnsName(input, 'spec.dnsNames[0]')).toBe(expected);
  });

  it('rejects a wildcard where none is allowed', () => {
    let err: unknown;
    try {
      normaliseDnsName('*.example.com', 'spec.acme.solvers[0].selector.dnsZones[0]', {
        wildcard: false,
      });
    } catch (e) {
      err = e;
    }
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as { field: string }).field).toBe('spec.acme.solvers[0].selector.dnsZones[0]');
  });

  it('the validated Certificate holds A-labels and lower-case email domains', () => {
    const certificate = validateResource({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'idn' },
      spec: {
        secretName: 'idn-tls',
        issuerRef: { name: 'ca' },
        dnsNames: ['Bücher.example.', '*.bücher.example'],
        emailAddresses: ['John.Doe@Example.COM'],
      },
    });
    expect(certificate.kind === 'Certificate' && certificate.spec).toMatchObject({
      dnsNames: ['xn--bcher-kva.example', '*.xn--bcher-kva.example'],
      emailAddresses: ['John.Doe@example.com'],
    });
  });

  it('selector names and zones are normalised too', () => {
    const issuer = validateResource({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name: 'acme' },
      spec: {
        acme: {
          server: 'https://acme.example/dir',
          privateKeySecretRef: { name: 'acme-key' },
          solvers: [
            {
              dns01: { webhook: { groupName: 'g', solverName: 's' } },
              selector: { dnsNames: ['*.Bücher.example'], dnsZones: ['Example.COM.'] },
            },
          ],
        },
      },
    });
    expect(issuer.kind === 'Issuer' && issuer.spec.acme?.solvers?.[0]?.selector).toEqual({
      dnsNames: ['*.xn--bcher-kva.example'],
      dnsZones: ['example.com'],
    });
  });
});
