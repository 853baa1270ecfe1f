import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { validateResource } from '../../../src/domain/validation.js';

type Json = Record<string, any>;

const pem = (label: string): string =>
  Buffer.from(`-----BEGIN ${label}-----\nTUlJQg==\n-----END ${label}-----\n`).toString('base64');

const baseCertificate: Json = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    secretName: 'web-tls',
    dnsNames: ['example.com', 'www.example.com', 'api.example.com'],
    issuerRef: { name: 'letsencrypt' },
  },
};

const baseIssuer: Json = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { name: 'letsencrypt' },
  spec: {
    acme: {
      server: 'https://acme.example.com/directory',
      email: 'ops@example.com',
      privateKeySecretRef: { name: 'letsencrypt-account' },
      solvers: [
        { http01: { ingress: { ingressClassName: 'nginx' } } },
        { dns01: { webhook: { groupName: 'acme.example.com', solverName: 'dns' } } },
      ],
    },
  },
};

const baseSecret: Json = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'web-tls' },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': '-----BEGIN CERTIFICATE-----\n...' },
};

const baseRequest: Json = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'CertificateRequest',
  metadata: { name: 'web-1' },
  spec: { request: pem('CERTIFICATE REQUEST'), issuerRef: { name: 'letsencrypt' } },
};

const baseChallenge: Json = {
  apiVersion: 'acme.cert-manager.io/v1',
  kind: 'Challenge',
  metadata: { name: 'web-1-0' },
  spec: {
    url: 'https://acme.example.com/chall/1',
    authorizationURL: 'https://acme.example.com/authz/1',
    dnsName: 'example.com',
    type: 'HTTP-01',
    token: 'tok',
    key: 'tok.thumb',
    solver: { http01: {} },
    issuerRef: { name: 'letsencrypt' },
  },
};

function edit(base: Json, change: (r: Json) => void): Json {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}
const cert = (change: (r: Json) => void): Json => edit(baseCertificate, change);
const certSpec = (patch: Json): Json => cert((r) => Object.assign(r.spec, patch));
const issuer = (change: (r: Json) => void): Json => edit(baseIssuer, change);
const acme = (patch: Json): Json => issuer((r) => Object.assign(r.spec.acme, patch));
const solver = (entry: Json): Json => acme({ solvers: [entry] });

type Case = [name: string, input: unknown, code: string, field: string];
const V = 'ERR_VALIDATION';
const U = 'ERR_UNSUPPORTED_FIELD';

const cases: Case[] = [
  // apiVersion, kind, top level
  ['missing kind', cert((r) => delete r.kind), V, 'kind'],
  ['unknown kind', cert((r) => (r.kind = 'Ingress')), V, 'kind'],
  ['kind not a string', cert((r) => (r.kind = 7)), V, 'kind'],
  ['missing apiVersion', cert((r) => delete r.apiVersion), V, 'apiVersion'],
  ['old apiVersion', cert((r) => (r.apiVersion = 'cert-manager.io/v1alpha2')), V, 'apiVersion'],
  [
    'apiVersion of another kind',
    cert((r) => (r.apiVersion = 'acme.cert-manager.io/v1')),
    V,
    'apiVersion',
  ],
  ['unknown top-level field', cert((r) => (r.extra = true)), U, 'extra'],
  ['missing spec', cert((r) => delete r.spec), V, 'spec'],
  ['spec is a list', cert((r) => (r.spec = [])), V, 'spec'],
  // metadata
  ['missing metadata', cert((r) => delete r.metadata), V, 'metadata'],
  ['missing metadata.name', cert((r) => delete r.metadata.name), V, 'metadata.name'],
  [
    'name with upper case and underscore',
    cert((r) => (r.metadata.name = 'Web_Server')),
    V,
    'metadata.name',
  ],
  [
    'name longer than 253',
    cert((r) => (r.metadata.name = `${'a'.repeat(60)}.`.repeat(4) + 'abcdefghij')),
    V,
    'metadata.name',
  ],
  [
    'namespace not a DNS label',
    cert((r) => (r.metadata.namespace = 'team.a')),
    V,
    'metadata.namespace',
  ],
  [
    'label value not a string',
    cert((r) => (r.metadata.labels = { app: 3 })),
    V,
    'metadata.labels.app',
  ],
  [
    'label key invalid',
    cert((r) => (r.metadata.labels = { '-bad': 'x' })),
    V,
    'metadata.labels["-bad"]',
  ],
  [
    'label value too long',
    cert((r) => (r.metadata.labels = { app: 'a'.repeat(64) })),
    V,
    'metadata.labels.app',
  ],
  [
    'annotation value not a string',
    cert((r) => (r.metadata.annotations = { note: { a: 1 } })),
    V,
    'metadata.annotations.note',
  ],
  ['labels is a list', cert((r) => (r.metadata.labels = ['app'])), V, 'metadata.labels'],
  ['generateName', cert((r) => (r.metadata.generateName = 'web-')), U, 'metadata.generateName'],
  ['unknown metadata field', cert((r) => (r.metadata.selfLink = '/x')), U, 'metadata.selfLink'],
  [
    'ClusterIssuer with a namespace',
    issuer((r) => {
      r.kind = 'ClusterIssuer';
      r.metadata.namespace = 'default';
    }),
    V,
    'metadata.namespace',
  ],
  // Certificate identities and names
  ['no identity at all', cert((r) => delete r.spec.dnsNames), V, 'spec'],
  ['only empty lists', certSpec({ dnsNames: [], uris: [], commonName: '' }), V, 'spec'],
  ['missing secretName', cert((r) => delete r.spec.secretName), V, 'spec.secretName'],
  ['secretName invalid', certSpec({ secretName: 'Web_TLS' }), V, 'spec.secretName'],
  [
    'dnsNames empty label',
    certSpec({ dnsNames: ['example.com', 'www.example.com', 'a..example.com'] }),
    V,
    'spec.dnsNames[2]',
  ],
  [
    'dnsNames label of 64 characters',
    certSpec({ dnsNames: [`${'a'.repeat(64)}.example.com`] }),
    V,
    'spec.dnsNames[0]',
  ],
  ['dnsNames leading hyphen', certSpec({ dnsNames: ['-a.example.com'] }), V, 'spec.dnsNames[0]'],
  [
    'dnsNames trailing hyphen',
    certSpec({ dnsNames: ['example.com', 'a-.example.com'] }),
    V,
    'spec.dnsNames[1]',
  ],
  ['dnsNames underscore', certSpec({ dnsNames: ['a_b.example.com'] }), V, 'spec.dnsNames[0]'],
  ['dnsNames space', certSpec({ dnsNames: ['a b.example.com'] }), V, 'spec.dnsNames[0]'],
  [
    'dnsNames wildcard in the middle',
    certSpec({ dnsNames: ['a.*.example.com'] }),
    V,
    'spec.dnsNames[0]',
  ],
  [
    'dnsNames partial wildcard label',
    certSpec({ dnsNames: ['*a.example.com'] }),
    V,
    'spec.dnsNames[0]',
  ],
  ['dnsNames bare wildcard', certSpec({ dnsNames: ['*'] }), V, 'spec.dnsNames[0]'],
  ['dnsNames double wildcard', certSpec({ dnsNames: ['*.*.example.com'] }), V, 'spec.dnsNames[0]'],
  [
    'dnsNames longer than 253',
    certSpec({ dnsNames: [`${'a'.repeat(63)}.`.repeat(4) + 'com'] }),
    V,
    'spec.dnsNames[0]',
  ],
  ['dnsNames two trailing dots', certSpec({ dnsNames: ['example.com..'] }), V, 'spec.dnsNames[0]'],
  ['dnsNames invalid punycode', certSpec({ dnsNames: ['xn--a.example'] }), V, 'spec.dnsNames[0]'],
  ['dnsNames invalid IDN', certSpec({ dnsNames: ['a\u3000b.example'] }), V, 'spec.dnsNames[0]'],
  ['dnsNames holding an IP address', certSpec({ dnsNames: ['10.0.0.1'] }), V, 'spec.dnsNames[0]'],
  [
    'dnsNames numeric top-level label',
    certSpec({ dnsNames: ['example.123'] }),
    V,
    'spec.dnsNames[0]',
  ],
  ['dnsNames empty string', certSpec({ dnsNames: [''] }), V, 'spec.dnsNames[0]'],
  ['dnsNames not a list', certSpec({ dnsNames: 'example.com' }), V, 'spec.dnsNames'],
  ['dnsNames item not a string', certSpec({ dnsNames: [42] }), V, 'spec.dnsNames[0]'],
  ['dnsNames null item', certSpec({ dnsNames: ['example.com', null] }), V, 'spec.dnsNames[1]'],
  ['ipAddresses out of range', certSpec({ ipAddresses: ['300.1.1.1'] }), V, 'spec.ipAddresses[0]'],
  [
    'ipAddresses with a zone',
    certSpec({ ipAddresses: ['::1', 'fe80::1%eth0'] }),
    V,
    'spec.ipAddresses[1]',
  ],
  ['uris without a scheme', certSpec({ uris: ['cluster.local/ns/a'] }), V, 'spec.uris[0]'],
  ['uris with a space', certSpec({ uris: ['spiffe://cluster.local/a b'] }), V, 'spec.uris[0]'],
  [
    'emailAddresses without @',
    certSpec({ emailAddresses: ['not-an-email'] }),
    V,
    'spec.emailAddresses[0]',
  ],
  [
    'emailAddresses with a display name',
    certSpec({ emailAddresses: ['John <john@example.com>'] }),
    V,
    'spec.emailAddresses[0]',
  ],
  [
    'emailAddresses non-ASCII',
    certSpec({ emailAddresses: ['jöhn@example.com'] }),
    V,
    'spec.emailAddresses[0]',
  ],
  [
    'emailAddresses bad domain',
    certSpec({ emailAddresses: ['john@exa_mple.com'] }),
    V,
    'spec.emailAddresses[0]',
  ],
  ['commonName of 65 characters', certSpec({ commonName: 'c'.repeat(65) }), V, 'spec.commonName'],
  // issuerRef
  ['missing issuerRef', cert((r) => delete r.spec.issuerRef), V, 'spec.issuerRef'],
  ['issuerRef without name', certSpec({ issuerRef: { kind: 'Issuer' } }), V, 'spec.issuerRef.name'],
  [
    'issuerRef kind unknown',
    certSpec({ issuerRef: { name: 'x', kind: 'VaultIssuer' } }),
    V,
    'spec.issuerRef.kind',
  ],
  [
    'issuerRef kind unknown with cert-manager group',
    certSpec({ issuerRef: { name: 'x', kind: 'Foo', group: 'cert-manager.io' } }),
    V,
    'spec.issuerRef.kind',
  ],
  [
    'issuerRef external group',
    certSpec({ issuerRef: { name: 'x', kind: 'AWSPCAIssuer', group: 'awspca.cert-manager.io' } }),
    U,
    'spec.issuerRef.group',
  ],
  // durations
  ['duration under 1h', certSpec({ duration: '30m' }), V, 'spec.duration'],
  ['duration in days', certSpec({ duration: '90d' }), V, 'spec.duration'],
  ['duration as a number', certSpec({ duration: 2160 }), V, 'spec.duration'],
  ['duration negative', certSpec({ duration: '-2160h' }), V, 'spec.duration'],
  ['renewBefore under 5m', certSpec({ renewBefore: '4m59s' }), V, 'spec.renewBefore'],
  [
    'renewBefore equal to duration',
    certSpec({ duration: '24h', renewBefore: '24h' }),
    V,
    'spec.renewBefore',
  ],
  [
    'renewBefore beyond the default duration',
    certSpec({ renewBefore: '2160h' }),
    V,
    'spec.renewBefore',
  ],
  ['renewBefore not a Go duration', certSpec({ renewBefore: '1 hour' }), V, 'spec.renewBefore'],
  [
    'renewBeforePercentage 0',
    certSpec({ renewBeforePercentage: 0 }),
    V,
    'spec.renewBeforePercentage',
  ],
  [
    'renewBeforePercentage 100',
    certSpec({ renewBeforePercentage: 100 }),
    V,
    'spec.renewBeforePercentage',
  ],
  [
    'renewBeforePercentage fractional',
    certSpec({ renewBeforePercentage: 33.5 }),
    V,
    'spec.renewBeforePercentage',
  ],
  [
    'renewBefore with renewBeforePercentage',
    certSpec({ renewBefore: '360h', renewBeforePercentage: 20 }),
    V,
    'spec.renewBeforePercentage',
  ],
  // private key
  ['algorithm DSA', certSpec({ privateKey: { algorithm: 'DSA' } }), V, 'spec.privateKey.algorithm'],
  [
    'algorithm in lower case',
    certSpec({ privateKey: { algorithm: 'rsa' } }),
    V,
    'spec.privateKey.algorithm',
  ],
  [
    'RSA size 1024',
    certSpec({ privateKey: { algorithm: 'RSA', size: 1024 } }),
    V,
    'spec.privateKey.size',
  ],
  ['RSA size 16384', certSpec({ privateKey: { size: 16384 } }), V, 'spec.privateKey.size'],
  [
    'ECDSA size 512',
    certSpec({ privateKey: { algorithm: 'ECDSA', size: 512 } }),
    V,
    'spec.privateKey.size',
  ],
  [
    'ECDSA size 2048',
    certSpec({ privateKey: { algorithm: 'ECDSA', size: 2048 } }),
    V,
    'spec.privateKey.size',
  ],
  ['size as a string', certSpec({ privateKey: { size: '2048' } }), V, 'spec.privateKey.size'],
  ['encoding PEM', certSpec({ privateKey: { encoding: 'PEM' } }), V, 'spec.privateKey.encoding'],
  [
    'rotationPolicy Sometimes',
    certSpec({ privateKey: { rotationPolicy: 'Sometimes' } }),
    V,
    'spec.privateKey.rotationPolicy',
  ],
  [
    'privateKey unknown field',
    certSpec({ privateKey: { curve: 'P-256' } }),
    U,
    'spec.privateKey.curve',
  ],
  // other Certificate fields
  ['unknown usage', certSpec({ usages: ['server auth', 'web auth'] }), V, 'spec.usages[1]'],
  ['revisionHistoryLimit 0', certSpec({ revisionHistoryLimit: 0 }), V, 'spec.revisionHistoryLimit'],
  ['isCA as a string', certSpec({ isCA: 'yes' }), V, 'spec.isCA'],
  [
    'subject organizations not a list',
    certSpec({ subject: { organizations: 'Acme' } }),
    V,
    'spec.subject.organizations',
  ],
  [
    'additionalOutputFormats unknown type',
    certSpec({ additionalOutputFormats: [{ type: 'PKCS12' }] }),
    V,
    'spec.additionalOutputFormats[0].type',
  ],
  [
    'additionalOutputFormats twice',
    certSpec({ additionalOutputFormats: [{ type: 'DER' }, { type: 'DER' }] }),
    V,
    'spec.additionalOutputFormats[1].type',
  ],
  [
    'additionalOutputFormats unknown field',
    certSpec({ additionalOutputFormats: [{ type: 'DER', name: 'key.der' }] }),
    U,
    'spec.additionalOutputFormats[0].name',
  ],
  [
    'secretTemplate cert-manager.io annotation',
    certSpec({ secretTemplate: { annotations: { 'cert-manager.io/issuer-name': 'x' } } }),
    V,
    'spec.secretTemplate.annotations["cert-manager.io/issuer-name"]',
  ],
  [
    'pkcs12 without passwordSecretRef',
    certSpec({ keystores: { pkcs12: { create: true } } }),
    V,
    'spec.keystores.pkcs12.passwordSecretRef',
  ],
  [
    'pkcs12 passwordSecretRef without key',
    certSpec({ keystores: { pkcs12: { create: true, passwordSecretRef: { name: 'p' } } } }),
    V,
    'spec.keystores.pkcs12.passwordSecretRef.key',
  ],
  [
    'pkcs12 unknown profile',
    certSpec({
      keystores: {
        pkcs12: { create: true, passwordSecretRef: { name: 'p', key: 'k' }, profile: 'Modern2026' },
      },
    }),
    V,
    'spec.keystores.pkcs12.profile',
  ],
  ['typo in a spec field', certSpec({ dnsName: ['example.com'] }), U, 'spec.dnsName'],
  ['literalSubject', certSpec({ literalSubject: 'CN=example.com' }), U, 'spec.literalSubject'],
  [
    'otherNames',
    certSpec({ otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', utf8Value: 'upn@example.local' }] }),
    U,
    'spec.otherNames',
  ],
  ['nameConstraints', certSpec({ nameConstraints: { critical: true } }), U, 'spec.nameConstraints'],
  [
    'keystores.jks',
    certSpec({ keystores: { jks: { create: true, passwordSecretRef: { name: 'p', key: 'k' } } } }),
    U,
    'spec.keystores.jks',
  ],
  [
    'keystores.pkcs12.password',
    certSpec({
      keystores: {
        pkcs12: { create: true, password: 'x', passwordSecretRef: { name: 'p', key: 'k' } },
      },
    }),
    U,
    'spec.keystores.pkcs12.password',
  ],
  [
    'encodeUsagesInRequest false',
    certSpec({ encodeUsagesInRequest: false }),
    U,
    'spec.encodeUsagesInRequest',
  ],
  [
    'signatureAlgorithm',
    certSpec({ signatureAlgorithm: 'SHA256WithRSA' }),
    U,
    'spec.signatureAlgorithm',
  ],
  ['renewal windows', certSpec({ renewal: { policy: 'RenewBefore' } }), U, 'spec.renewal'],
  // Issuer
  ['issuer with no type', issuer((r) => (r.spec = {})), V, 'spec'],
  [
    'issuer with acme and selfSigned',
    issuer((r) => (r.spec.selfSigned = {})),
    V,
    'spec.selfSigned',
  ],
  [
    'issuer with ca and selfSigned',
    issuer((r) => (r.spec = { ca: { secretName: 'ca' }, selfSigned: {} })),
    V,
    'spec.selfSigned',
  ],
  [
    'vault issuer',
    issuer((r) => (r.spec = { vault: { server: 'https://vault' } })),
    U,
    'spec.vault',
  ],
  ['venafi issuer', issuer((r) => (r.spec = { venafi: { zone: 'z' } })), U, 'spec.venafi'],
  ['ca without secretName', issuer((r) => (r.spec = { ca: {} })), V, 'spec.ca.secretName'],
  [
    'ca ocspServers not a URL',
    issuer((r) => (r.spec = { ca: { secretName: 'ca', ocspServers: ['ocsp'] } })),
    V,
    'spec.ca.ocspServers[0]',
  ],
  [
    'ca crlDistributionPoints not a list',
    issuer((r) => (r.spec = { ca: { secretName: 'ca', crlDistributionPoints: 'crl' } })),
    V,
    'spec.ca.crlDistributionPoints',
  ],
  [
    'ca issuingCertificateURLs relative',
    issuer((r) => (r.spec = { ca: { secretName: 'ca', issuingCertificateURLs: ['ca.crt'] } })),
    V,
    'spec.ca.issuingCertificateURLs[0]',
  ],
  [
    'selfSigned crlDistributionPoints with a space',
    issuer((r) => (r.spec = { selfSigned: { crlDistributionPoints: ['http://crl.example/a b'] } })),
    V,
    'spec.selfSigned.crlDistributionPoints[0]',
  ],
  [
    'acme enableDurationFeature',
    acme({ enableDurationFeature: true }),
    U,
    'spec.acme.enableDurationFeature',
  ],
  [
    'acme server over http',
    acme({ server: 'http://acme.example.com/directory' }),
    V,
    'spec.acme.server',
  ],
  ['acme server not a URL', acme({ server: 'acme.example.com' }), V, 'spec.acme.server'],
  ['acme without server', issuer((r) => delete r.spec.acme.server), V, 'spec.acme.server'],
  ['acme email invalid', acme({ email: 'ops(at)example.com' }), V, 'spec.acme.email'],
  [
    'acme without privateKeySecretRef',
    issuer((r) => delete r.spec.acme.privateKeySecretRef),
    V,
    'spec.acme.privateKeySecretRef',
  ],
  [
    'privateKeySecretRef without name',
    acme({ privateKeySecretRef: { key: 'tls.key' } }),
    V,
    'spec.acme.privateKeySecretRef.name',
  ],
  ['caBundle not base64', acme({ caBundle: 'not base64!' }), V, 'spec.acme.caBundle'],
  [
    'caBundle not PEM',
    acme({ caBundle: Buffer.from('hello').toString('base64') }),
    V,
    'spec.acme.caBundle',
  ],
  [
    'caBundle holding a key, not a certificate',
    acme({ caBundle: pem('PRIVATE KEY') }),
    V,
    'spec.acme.caBundle',
  ],
  [
    'caBundle with skipTLSVerify',
    acme({ caBundle: pem('CERTIFICATE'), skipTLSVerify: true }),
    V,
    'spec.acme.skipTLSVerify',
  ],
  [
    'preferredChain over 64 characters',
    acme({ preferredChain: 'x'.repeat(65) }),
    V,
    'spec.acme.preferredChain',
  ],
  ['acme profile', acme({ profile: 'tlsserver' }), U, 'spec.acme.profile'],
  ['solvers not a list', acme({ solvers: { http01: {} } }), V, 'spec.acme.solvers'],
  [
    'EAB keyAlgorithm unknown',
    acme({
      externalAccountBinding: {
        keyID: 'k',
        keySecretRef: { name: 'eab', key: 'secret' },
        keyAlgorithm: 'HS1024',
      },
    }),
    V,
    'spec.acme.externalAccountBinding.keyAlgorithm',
  ],
  [
    'EAB without keyID',
    acme({ externalAccountBinding: { keySecretRef: { name: 'eab', key: 'secret' } } }),
    V,
    'spec.acme.externalAccountBinding.keyID',
  ],
  [
    'EAB keySecretRef without key',
    acme({ externalAccountBinding: { keyID: 'k', keySecretRef: { name: 'eab' } } }),
    V,
    'spec.acme.externalAccountBinding.keySecretRef.key',
  ],
  // solvers
  ['solver with neither http01 nor dns01', solver({ selector: {} }), V, 'spec.acme.solvers[0]'],
  [
    'solver with both http01 and dns01',
    solver({ http01: {}, dns01: { webhook: { groupName: 'g', solverName: 's' } } }),
    V,
    'spec.acme.solvers[0].dns01',
  ],
  [
    'http01 with ingress and gatewayHTTPRoute',
    solver({ http01: { ingress: {}, gatewayHTTPRoute: {} } }),
    V,
    'spec.acme.solvers[0].http01.gatewayHTTPRoute',
  ],
  [
    'http01 ingress unknown field',
    solver({ http01: { ingress: { ingressClass: 'nginx' } } }),
    U,
    'spec.acme.solvers[0].http01.ingress.ingressClass',
  ],
  ['dns01 with no provider', solver({ dns01: {} }), V, 'spec.acme.solvers[0].dns01'],
  [
    'dns01 route53',
    solver({ dns01: { route53: { region: 'eu-west-1' } } }),
    U,
    'spec.acme.solvers[0].dns01.route53',
  ],
  [
    'dns01 cloudflare in the second solver',
    acme({ solvers: [{ http01: {} }, { dns01: { cloudflare: { email: 'a@example.com' } } }] }),
    U,
    'spec.acme.solvers[1].dns01.cloudflare',
  ],
  ['dns01 azureDNS', solver({ dns01: { azureDNS: {} } }), U, 'spec.acme.solvers[0].dns01.azureDNS'],
  [
    'dns01 nameservers',
    solver({
      dns01: { nameservers: ['1.1.1.1:53'], webhook: { groupName: 'g', solverName: 's' } },
    }),
    U,
    'spec.acme.solvers[0].dns01.nameservers',
  ],
  [
    'webhook without solverName',
    solver({ dns01: { webhook: { groupName: 'acme.example.com' } } }),
    V,
    'spec.acme.solvers[0].dns01.webhook.solverName',
  ],
  [
    'webhook with an empty solverName',
    solver({ dns01: { webhook: { groupName: 'g', solverName: '' } } }),
    V,
    'spec.acme.solvers[0].dns01.webhook.solverName',
  ],
  [
    'webhook and rfc2136 together',
    solver({
      dns01: { webhook: { groupName: 'g', solverName: 's' }, rfc2136: { nameserver: '127.0.0.1' } },
    }),
    V,
    'spec.acme.solvers[0].dns01.rfc2136',
  ],
  [
    'rfc2136 nameserver invalid',
    solver({ dns01: { rfc2136: { nameserver: 'ns:53:53' } } }),
    V,
    'spec.acme.solvers[0].dns01.rfc2136.nameserver',
  ],
  [
    'rfc2136 port out of range',
    solver({ dns01: { rfc2136: { nameserver: '127.0.0.1:70000' } } }),
    V,
    'spec.acme.solvers[0].dns01.rfc2136.nameserver',
  ],
  [
    'rfc2136 tsigAlgorithm unknown',
    solver({ dns01: { rfc2136: { nameserver: '127.0.0.1:53', tsigAlgorithm: 'HMACSHA3' } } }),
    V,
    'spec.acme.solvers[0].dns01.rfc2136.tsigAlgorithm',
  ],
  [
    'rfc2136 tsigKeyName without secret',
    solver({ dns01: { rfc2136: { nameserver: '127.0.0.1:53', tsigKeyName: 'k' } } }),
    V,
    'spec.acme.solvers[0].dns01.rfc2136.tsigSecretSecretRef',
  ],
  [
    'rfc2136 protocol',
    solver({ dns01: { rfc2136: { nameserver: '127.0.0.1:53', protocol: 'TCP' } } }),
    U,
    'spec.acme.solvers[0].dns01.rfc2136.protocol',
  ],
  [
    'cnameStrategy unknown',
    solver({ dns01: { cnameStrategy: 'Always', webhook: { groupName: 'g', solverName: 's' } } }),
    V,
    'spec.acme.solvers[0].dns01.cnameStrategy',
  ],
  [
    'cnameStrategy Follow',
    solver({ dns01: { cnameStrategy: 'Follow', webhook: { groupName: 'g', solverName: 's' } } }),
    U,
    'spec.acme.solvers[0].dns01.cnameStrategy',
  ],
  [
    'selector dnsNames invalid',
    solver({ http01: {}, selector: { dnsNames: ['bad_name.example.com'] } }),
    V,
    'spec.acme.solvers[0].selector.dnsNames[0]',
  ],
  [
    'selector dnsZones wildcard',
    solver({ http01: {}, selector: { dnsZones: ['*.example.com'] } }),
    V,
    'spec.acme.solvers[0].selector.dnsZones[0]',
  ],
  [
    'selector matchLabels not strings',
    solver({ http01: {}, selector: { matchLabels: { tier: 1 } } }),
    V,
    'spec.acme.solvers[0].selector.matchLabels.tier',
  ],
  [
    'waitInsteadOfSelfCheck',
    solver({ http01: {}, waitInsteadOfSelfCheck: '30s' }),
    U,
    'spec.acme.solvers[0].waitInsteadOfSelfCheck',
  ],
  // Secret, CertificateRequest, Challenge
  [
    'Secret data value not a string',
    edit(baseSecret, (r) => (r.data['tls.key'] = 42)),
    V,
    'data["tls.key"]',
  ],
  ['Secret data not a map', edit(baseSecret, (r) => (r.data = ['tls.crt'])), V, 'data'],
  [
    'Secret data key invalid',
    edit(baseSecret, (r) => (r.data = { 'tls crt': 'x' })),
    V,
    'data["tls crt"]',
  ],
  ['Secret stringData', edit(baseSecret, (r) => (r.stringData = { a: 'b' })), U, 'stringData'],
  [
    'CertificateRequest request not a CSR',
    edit(baseRequest, (r) => (r.spec.request = pem('CERTIFICATE'))),
    V,
    'spec.request',
  ],
  [
    'CertificateRequest external issuer',
    edit(baseRequest, (r) => (r.spec.issuerRef.group = 'example.com')),
    U,
    'spec.issuerRef.group',
  ],
  ['Challenge type unknown', edit(baseChallenge, (r) => (r.spec.type = 'HTTP-02')), V, 'spec.type'],
  [
    'Challenge dnsName wildcard',
    edit(baseChallenge, (r) => (r.spec.dnsName = '*.example.com')),
    V,
    'spec.dnsName',
  ],
];

describe('validateResource rejects bad input with the code and field path', () => {
  it('covers at least 70 bad inputs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(70);
  });

  it.each(cases)('%s', (_name, input, code, field) => {
    let caught: unknown;
    try {
      validateResource(input);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught)).toBe(true);
    const err = caught as CertflowError & { field: string; reason: string };
    expect({ code: err.code, field: err.field }).toEqual({ code, field });
    expect(err.reason.length).toBeGreaterThan(0);
  });

  it('the bases themselves are valid', () => {
    for (const base of [baseCertificate, baseIssuer, baseSecret, baseRequest, baseChallenge]) {
      expect(() => validateResource(base)).not.toThrow();
    }
  });
});
