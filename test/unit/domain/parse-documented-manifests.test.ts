import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseManifests } from '../../../src/domain/parse.js';
import { CertflowError } from '../../../src/errors.js';

// Manifests as cert-manager's documentation shows them (cert-manager.io/docs: ACME, HTTP01,
// DNS01 webhook and RFC 2136, CA and SelfSigned issuers, the Certificate resource), with the
// placeholders filled in.

const acmeIssuerHttp01AndWebhook = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: letsencrypt-staging
spec:
  acme:
    # You must replace this email address with your own.
    email: user@example.com
    server: https://acme-staging-v02.api.letsencrypt.org/directory
    privateKeySecretRef:
      # Secret resource that will be used to store the account's private key.
      name: example-issuer-account-key
    solvers:
    - http01:
        ingress:
          ingressClassName: nginx
      selector:
        matchLabels:
          "use-http01-solver": "true"
    - http01:
        ingress:
          # Valid values are ClusterIP and NodePort
          serviceType: ClusterIP
          podTemplate:
            metadata:
              labels:
                foo: "bar"
                env: "prod"
            spec:
              nodeSelector:
                bar: baz
    - dns01:
        webhook:
          groupName: acme.mycompany.example
          solverName: my-dns-provider
          config:
            apiUrl: https://dns.example.com/api
            zones: [example.com]
      selector:
        dnsNames:
        - 'example.com'
        - '*.example.com'
    - dns01:
        webhook:
          groupName: acme.mycompany.example
          solverName: my-dns-provider
      selector:
        dnsZones:
        - 'test.example.com'
`;

const clusterIssuer = `
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-staging
spec:
  acme:
    email: user@example.com
    server: https://acme-staging-v02.api.letsencrypt.org/directory
    privateKeySecretRef:
      name: example-issuer-account-key
    solvers:
    - http01:
        ingress:
          ingressClassName: nginx
`;

const clusterIssuerWithEab = `
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: my-acme-server-with-eab
spec:
  acme:
    email: user@example.com
    server: https://my-acme-server-with-eab.com/directory
    externalAccountBinding:
      keyID: my-keyID-1
      keySecretRef:
        name: eab-secret
        key: secret
    privateKeySecretRef:
      name: example-issuer-account-key
    solvers:
    - http01:
        ingress:
          ingressClassName: nginx
`;

const rfc2136Issuer = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: example-issuer
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    preferredChain: "ISRG Root X1"
    privateKeySecretRef:
      name: example-issuer-account-key
    solvers:
    - dns01:
        rfc2136:
          nameserver: 1.2.3.4:53
          tsigKeyName: example-com-secret
          tsigAlgorithm: HMACSHA512
          tsigSecretSecretRef:
            name: tsig-secret
            key: tsig-secret-key
`;

const caAndSelfSigned = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca-issuer
  namespace: mesh-system
spec:
  ca:
    secretName: ca-key-pair
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: selfsigned-cluster-issuer
spec:
  selfSigned: {}
`;

// The documentation's Certificate "with an exhaustive list of all options", without the
// fields certflow rejects: otherNames (see the bad-input table).
const certificateWithEveryField = `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: example-com
  namespace: sandbox
spec:
  # Secret names are always required.
  secretName: example-com-tls
  secretTemplate:
    annotations:
      my-secret-annotation-1: "foo"
      my-secret-annotation-2: "bar"
    labels:
      my-secret-label: foo
  privateKey:
    algorithm: RSA
    encoding: PKCS1
    size: 2048
    rotationPolicy: Always
  keystores:
    pkcs12:
      create: true
      passwordSecretRef:
        name: example-com-tls-keystore
        key: password
      profile: Modern2023
  duration: 2160h # 90d
  renewBefore: 360h # 15d
  isCA: false
  usages:
    - server auth
    - client auth
  subject:
    organizations:
      - cert-manager
  commonName: example.com
  dnsNames:
    - example.com
    - www.example.com
  uris:
    - spiffe://cluster.local/ns/sandbox/sa/example
  emailAddresses:
    - john.doe@cert-manager.io
  ipAddresses:
    - 192.168.0.5
  additionalOutputFormats:
  - type: CombinedPEM
  - type: DER
  revisionHistoryLimit: 3
  issuerRef:
    name: ca-issuer
    kind: Issuer
    group: cert-manager.io
`;

const caIssuer = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca-issuer
spec:
  ca:
    secretName: ca-key-pair
`;

const selfSignedIssuer = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned-issuer
spec:
  selfSigned: {}
`;

type Json = Record<string, any>;

// Fields from the documentation that certflow does not implement yet: each is added to an
// otherwise accepted documented manifest, with the value the documentation shows, and must be
// rejected by its path rather than accepted and ignored.
const rejectedFields: [field: string, text: string, add: (manifest: Json) => void][] = [
  [
    'spec.keystores.jks',
    certificateWithEveryField,
    (m) =>
      (m.spec.keystores.jks = {
        create: true,
        passwordSecretRef: { name: 'example-com-tls-keystore', key: 'password' },
      }),
  ],
  [
    'spec.encodeUsagesInRequest',
    certificateWithEveryField,
    (m) => (m.spec.encodeUsagesInRequest = true),
  ],
  [
    'spec.acme.solvers[2].dns01.cnameStrategy',
    acmeIssuerHttp01AndWebhook,
    (m) => (m.spec.acme.solvers[2].dns01.cnameStrategy = 'Follow'),
  ],
  [
    'spec.acme.enableDurationFeature',
    acmeIssuerHttp01AndWebhook,
    (m) => (m.spec.acme.enableDurationFeature = true),
  ],
];

// Fields certflow implements that the documented manifests above leave out: each is added with
// the value the documentation shows and must be kept as it is.
const acceptedFields: [field: string, text: string, add: (manifest: Json) => void][] = [
  [
    'spec.ca.crlDistributionPoints',
    caIssuer,
    (m) => (m.spec.ca.crlDistributionPoints = ['http://crl.example.com/ca.crl']),
  ],
  ['spec.ca.ocspServers', caIssuer, (m) => (m.spec.ca.ocspServers = ['http://ocsp.example.com'])],
  [
    'spec.ca.issuingCertificateURLs',
    caIssuer,
    (m) => (m.spec.ca.issuingCertificateURLs = ['http://ca.example.com/ca.crt']),
  ],
  [
    'spec.selfSigned.crlDistributionPoints',
    selfSignedIssuer,
    (m) => (m.spec.selfSigned.crlDistributionPoints = ['http://crl.example.com/ca.crl']),
  ],
];

function withDefaultNamespace(manifest: Record<string, any>): Record<string, any> {
  if (manifest.kind === 'ClusterIssuer' || manifest.metadata.namespace !== undefined) {
    return manifest;
  }
  return { ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } };
}

describe('cert-manager documented manifests parse unchanged apart from defaults', () => {
  it.each([
    ['an ACME Issuer with http01 ingress and dns01 webhook solvers', acmeIssuerHttp01AndWebhook],
    ['an ACME ClusterIssuer', clusterIssuer],
    ['a ClusterIssuer with external account binding', clusterIssuerWithEab],
    ['an ACME Issuer with an RFC 2136 solver', rfc2136Issuer],
    ['a Certificate with every supported field', certificateWithEveryField],
  ])('%s', (_name, text) => {
    const expected = withDefaultNamespace(parse(text) as Record<string, any>);
    expect(parseManifests(text)).toEqual([expected]);
  });

  it.each(rejectedFields)('rejects the documented %s', (field, text, add) => {
    const manifest = parse(text) as Json;
    expect(() => parseManifests(manifest)).not.toThrow();
    add(manifest);
    let caught: unknown;
    try {
      parseManifests(manifest);
    } catch (err) {
      caught = err;
    }
    expect(CertflowError.is(caught)).toBe(true);
    const err = caught as CertflowError & { field: string };
    expect({ code: err.code, field: err.field }).toEqual({ code: 'ERR_UNSUPPORTED_FIELD', field });
  });

  it.each(acceptedFields)('accepts the documented %s', (_field, text, add) => {
    const manifest = parse(text) as Json;
    add(manifest);
    expect(parseManifests(manifest)).toEqual([withDefaultNamespace(manifest)]);
  });

  it('a CA Issuer and a SelfSigned ClusterIssuer in one stream', () => {
    const [ca, selfSigned] = parseManifests(caAndSelfSigned);
    expect(ca).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name: 'ca-issuer', namespace: 'mesh-system' },
      spec: { ca: { secretName: 'ca-key-pair' } },
    });
    expect(selfSigned).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'selfsigned-cluster-issuer' },
      spec: { selfSigned: {} },
    });
  });

  it('the namespace default is the only thing added', () => {
    const [issuer] = parseManifests(acmeIssuerHttp01AndWebhook);
    expect(issuer?.metadata.namespace).toBe('default');
    const [certificate] = parseManifests(certificateWithEveryField);
    expect(certificate?.metadata.namespace).toBe('sandbox');
    // No Certificate defaults are written into the spec.
    const bare = parseManifests({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web' },
      spec: { secretName: 'web-tls', dnsNames: ['example.com'], issuerRef: { name: 'x' } },
    });
    expect(bare[0]).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web', namespace: 'default' },
      spec: { secretName: 'web-tls', dnsNames: ['example.com'], issuerRef: { name: 'x' } },
    });
  });
});
