import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { parseManifests } from '../../../src/domain/parse.js';
import type { Certificate } from '../../../src/domain/types.js';

const issuerYaml = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
spec:
  selfSigned: {}
`;

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { secretName: 'web-tls', dnsNames: ['Bücher.Example'], issuerRef: { name: 'selfsigned' } },
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function caught(fn: () => unknown): CertflowError & { field?: string } {
  try {
    fn();
  } catch (err) {
    if (CertflowError.is(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseManifests', () => {
  it('reads multi-document YAML and skips empty documents', () => {
    const text = `---\n# only a comment\n---\n${issuerYaml}---\n---\n${issuerYaml.replace('selfsigned', 'other')}\n---\n`;
    const parsed = parseManifests(text);
    expect(parsed.map((r) => r.metadata.name)).toEqual(['selfsigned', 'other']);
  });

  it('reads JSON text: one object or an array', () => {
    expect(parseManifests(JSON.stringify(certificate))).toHaveLength(1);
    expect(parseManifests(JSON.stringify([certificate, certificate]))).toHaveLength(2);
  });

  it('takes one object or an array of objects', () => {
    expect(parseManifests(certificate)[0]?.kind).toBe('Certificate');
    const [a, b] = parseManifests([certificate, { ...certificate, metadata: { name: 'api' } }]);
    expect([a?.metadata.name, b?.metadata.name]).toEqual(['web', 'api']);
  });

  it('expands a Kubernetes List', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [certificate, certificate] };
    expect(parseManifests(list).map((r) => r.kind)).toEqual(['Certificate', 'Certificate']);
    expect(parseManifests(`apiVersion: v1\nkind: List\nitems: []\n`)).toEqual([]);
  });

  it('returns nothing for empty text', () => {
    expect(parseManifests('')).toEqual([]);
    expect(parseManifests('# nothing here\n')).toEqual([]);
  });

  it('defaults the namespace of namespaced kinds only', () => {
    const [issuer] = parseManifests(issuerYaml);
    expect(issuer?.metadata.namespace).toBe('default');
    const [cluster] = parseManifests(issuerYaml.replace('kind: Issuer', 'kind: ClusterIssuer'));
    expect(cluster?.metadata).toEqual({ name: 'selfsigned' });
  });

  it('never changes its input and returns copies', () => {
    const input = deepFreeze(structuredClone(certificate));
    const [parsed] = parseManifests(input) as Certificate[];
    expect(input).toEqual(certificate);
    expect(parsed?.spec).not.toBe(input.spec);
    // The normalised copy holds the A-label; the input keeps what the user wrote.
    expect(parsed?.spec.dnsNames).toEqual(['xn--bcher-kva.example']);
    expect(input.spec.dnsNames).toEqual(['Bücher.Example']);
  });

  it('reports YAML syntax errors as ParseError with line and column', () => {
    const text = `${issuerYaml}---\napiVersion: cert-manager.io/v1\nkind: Issuer: x\nmetadata: {name: y}\n`;
    const err = caught(() => parseManifests(text));
    expect(err.code).toBe('ERR_PARSE');
    expect(err.message).toMatch(/line 9, column \d+/);
  });

  it('reports duplicate keys as ParseError', () => {
    const err = caught(() => parseManifests('kind: Issuer\nkind: Certificate\n'));
    expect(err.code).toBe('ERR_PARSE');
    expect(err.message).toMatch(/line 2/);
  });

  it('rejects documents that are not objects', () => {
    expect(caught(() => parseManifests('just a string')).code).toBe('ERR_PARSE');
    expect(caught(() => parseManifests('- 1\n- 2\n')).code).toBe('ERR_PARSE');
  });

  it('refuses YAML alias bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(caught(() => parseManifests(lines.join('\n'))).code).toBe('ERR_PARSE');
  });

  it('prefixes the field with the resource index when there are several', () => {
    const bad = {
      ...certificate,
      spec: { ...certificate.spec, dnsNames: ['ok.example', 'bad_name'] },
    };
    const err = caught(() => parseManifests([certificate, bad]));
    expect({ code: err.code, field: err.field }).toEqual({
      code: 'ERR_VALIDATION',
      field: '[1].spec.dnsNames[1]',
    });
    const single = caught(() => parseManifests(bad));
    expect(single.field).toBe('spec.dnsNames[1]');
  });

  it('validates every document before returning any', () => {
    const text = `${issuerYaml}---\napiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: y}\nspec: {vault: {}}\n`;
    const err = caught(() => parseManifests(text));
    expect({ code: err.code, field: err.field }).toEqual({
      code: 'ERR_UNSUPPORTED_FIELD',
      field: '[1].spec.vault',
    });
  });

  it('never echoes Secret data in errors', () => {
    const keyPem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'web-tls' },
      data: { 'tls.key': [keyPem] },
    };
    const err = caught(() => parseManifests(secret));
    expect(err.field).toBe('data["tls.key"]');
    expect(err.message).not.toContain('PRIVATE KEY');
    expect(err.message).not.toContain('MIIE');
  });

  it('treats a null field as unset, as the Kubernetes API does', () => {
    const text =
      'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\nspec:\n  secretName: web-tls\n  commonName: web\n  dnsNames:\n  issuerRef: {name: x}\n';
    const [parsed] = parseManifests(text) as Certificate[];
    expect(parsed?.spec).toEqual({
      secretName: 'web-tls',
      commonName: 'web',
      issuerRef: { name: 'x' },
    });
  });
});
