/**
 * The allow-list of fields certflow supports for each kind. Anything not listed here is
 * rejected by its path; fields cert-manager has and certflow does not implement are listed as
 * `unsupported` with the reason.
 *
 * @packageDocumentation
 */
import { UnsupportedFieldError, ValidationError } from '../errors.js';
import { parseGoDurationNanos } from './duration.js';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkHttpUrl,
  checkIpAddress,
  checkLabelValue,
  checkNameserver,
  checkQualifiedName,
  checkSecretDataKey,
  checkUri,
  normaliseDnsName,
  normaliseEmailAddress,
} from './names.js';
import { arr, bool, int, json, map, obj, str, unsupported } from './schema.js';
import type { SchemaNode, StringCheck } from './schema.js';
import type { KeyUsage, ResourceKind } from './types.js';

const cnameStrategy: StringCheck = (value, field) => {
  if (value === 'Follow') {
    throw new UnsupportedFieldError(
      field,
      'following CNAMEs for DNS-01 is not supported by certflow yet',
    );
  }
  return value;
};

/** Every key usage cert-manager knows, in its spelling. */
export const keyUsages = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const satisfies readonly KeyUsage[];

// Fails to compile when types.ts gains a usage this list lacks.
type MissingUsage = Exclude<KeyUsage, (typeof keyUsages)[number]>;
const allUsagesListed: MissingUsage extends never ? true : never = true;
void allUsagesListed;

/** The TSIG algorithms cert-manager's RFC 2136 provider accepts (any case). */
export const tsigAlgorithms = ['HMACMD5', 'HMACSHA1', 'HMACSHA256', 'HMACSHA512'] as const;

const goDuration: StringCheck = (value, field) => {
  parseGoDurationNanos(value, field);
  return value;
};

const rfc3339: StringCheck = (value, field) => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    throw new ValidationError(field, `${JSON.stringify(value)} is not an RFC 3339 time`);
  }
  if (Number.isNaN(Date.parse(value))) {
    throw new ValidationError(field, `${JSON.stringify(value)} is not a valid time`);
  }
  return value;
};

const dnsName: StringCheck = (value, field) => normaliseDnsName(value, field);
const dnsZone: StringCheck = (value, field) => normaliseDnsName(value, field, { wildcard: false });
const httpsUrl: StringCheck = (value, field) => checkHttpUrl(value, field, ['https:']);
const httpUrl: StringCheck = (value, field) => checkHttpUrl(value, field);

const optionalEmail: StringCheck = (value, field) =>
  // An empty email is what an unset one serialises to in cert-manager (omitempty).
  value === '' ? value : normaliseEmailAddress(value, field);

const tsigAlgorithm: StringCheck = (value, field) => {
  if (!(tsigAlgorithms as readonly string[]).includes(value.toUpperCase())) {
    throw new ValidationError(
      field,
      `${JSON.stringify(value)} is not supported: must be one of ${tsigAlgorithms.join(', ')}`,
    );
  }
  return value;
};

/** Checks base64 text that must decode to PEM holding at least one block of `label`. */
function base64Pem(label: string, what: string): StringCheck {
  return (value, field) => {
    // Go's base64 decoder skips line breaks; nothing else may be outside the alphabet.
    const compact = value.replace(/[\r\n]/g, '');
    if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
      throw new ValidationError(field, `must be base64-encoded ${what} in PEM format`);
    }
    const text = Buffer.from(compact, 'base64').toString('latin1');
    const block = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`);
    if (!block.test(text)) {
      throw new ValidationError(field, `must be base64-encoded PEM holding at least one ${label}`);
    }
    return value;
  };
}

const secretTemplateAnnotationKey: StringCheck = (key, field) => {
  // The issuing controller owns these annotations on the Secret (as cert-manager does).
  if (key.startsWith('cert-manager.io/') && key !== 'cert-manager.io/allow-direct-injection') {
    throw new ValidationError(
      field,
      'cert-manager.io/ annotations are set by certflow and cannot be templated',
    );
  }
  return checkQualifiedName(key, field);
};

const objectName = str({ check: checkDns1123Subdomain });
const labels = map(str({ check: checkLabelValue }), checkQualifiedName);
const annotations = map(str(), checkQualifiedName);
const stringList = arr(str());

const metadata = obj(
  {
    name: objectName,
    namespace: str({ check: checkDns1123Label }),
    uid: str(),
    generation: int(0),
    resourceVersion: str(),
    labels,
    annotations,
    ownerReferences: arr(
      obj(
        {
          apiVersion: str({ nonEmpty: true }),
          kind: str({ nonEmpty: true }),
          name: str({ nonEmpty: true }),
          uid: str({ nonEmpty: true }),
          controller: bool(),
          blockOwnerDeletion: bool(),
        },
        ['apiVersion', 'kind', 'name', 'uid'],
      ),
    ),
    creationTimestamp: str({ check: rfc3339 }),
    deletionTimestamp: str({ check: rfc3339 }),
    generateName: unsupported('certflow needs a name: generateName is not supported'),
    finalizers: unsupported('finalizers are not supported by certflow'),
  },
  ['name'],
);

function secretKeySelector(keyRequired: boolean): SchemaNode {
  return obj(
    { name: objectName, key: str({ nonEmpty: true }) },
    keyRequired ? ['name', 'key'] : ['name'],
  );
}

// Kind and group are checked together in validation.ts (the allowed kinds depend on the group).
const issuerRef = obj({ name: objectName, kind: str(), group: str() }, ['name']);

const notImplementedDns01 = (provider: string): SchemaNode =>
  unsupported(
    `the ${provider} DNS-01 provider is not built into certflow: register a solver with the engine and select it with dns01.webhook.solverName`,
  );

/** One entry of an ACME issuer's `solvers` (also a Challenge's `spec.solver`). */
export const solverSchema: SchemaNode = obj({
  selector: obj({
    matchLabels: labels,
    dnsNames: arr(str({ check: dnsName })),
    dnsZones: arr(str({ check: dnsZone })),
  }),
  // certflow's host serves HTTP-01 tokens itself, so these blocks only pick the HTTP-01
  // solver; their Kubernetes settings are accepted for compatibility and have no effect.
  http01: obj({
    ingress: obj({
      serviceType: str(),
      ingressClassName: str(),
      class: str(),
      name: str(),
      podTemplate: json(),
      ingressTemplate: json(),
    }),
    gatewayHTTPRoute: obj({
      serviceType: str(),
      labels,
      parentRefs: json(),
      podTemplate: json(),
    }),
  }),
  dns01: obj({
    // `None` is cert-manager's default and what certflow does; following CNAMEs is not built yet.
    cnameStrategy: str({ enum: ['None', 'Follow'], check: cnameStrategy }),
    webhook: obj(
      {
        groupName: str({ nonEmpty: true }),
        solverName: str({ nonEmpty: true }),
        config: json(),
      },
      ['groupName', 'solverName'],
    ),
    rfc2136: obj(
      {
        nameserver: str({ check: checkNameserver }),
        tsigKeyName: str(),
        tsigAlgorithm: str({ check: tsigAlgorithm }),
        tsigSecretSecretRef: secretKeySelector(false),
        protocol: unsupported(
          'choosing the RFC 2136 transport protocol is not supported by certflow',
        ),
      },
      ['nameserver'],
    ),
    nameservers: unsupported('custom DNS-01 self-check nameservers are not supported by certflow'),
    acmeDNS: notImplementedDns01('acmeDNS'),
    akamai: notImplementedDns01('akamai'),
    azureDNS: notImplementedDns01('azureDNS'),
    cloudDNS: notImplementedDns01('cloudDNS'),
    cloudflare: notImplementedDns01('cloudflare'),
    digitalocean: notImplementedDns01('digitalocean'),
    route53: notImplementedDns01('route53'),
  }),
  waitInsteadOfSelfCheck: unsupported(
    'waitInsteadOfSelfCheck is not supported: certflow always runs the self-check',
  ),
});

const issuerSpec = obj({
  acme: obj(
    {
      server: str({ check: httpsUrl }),
      email: str({ check: optionalEmail }),
      privateKeySecretRef: secretKeySelector(false),
      caBundle: str({ check: base64Pem('CERTIFICATE', 'CA certificates') }),
      skipTLSVerify: bool(),
      externalAccountBinding: obj(
        {
          keyID: str({ nonEmpty: true }),
          keySecretRef: secretKeySelector(true),
          keyAlgorithm: str({ enum: ['HS256', 'HS384', 'HS512'] }),
        },
        ['keyID', 'keySecretRef'],
      ),
      preferredChain: str({ maxLength: 64 }),
      solvers: arr(solverSchema),
      disableAccountKeyGeneration: bool(),
      enableDurationFeature: unsupported(
        'requesting a duration from the ACME server is not supported by certflow yet',
      ),
      profile: unsupported('ACME certificate profiles are not supported by certflow'),
      renewalInformationSource: unsupported(
        'ACME renewal information (ARI) is not supported by certflow',
      ),
    },
    ['server', 'privateKeySecretRef'],
  ),
  ca: obj(
    {
      secretName: objectName,
      crlDistributionPoints: arr(str({ check: checkUri })),
      ocspServers: arr(str({ check: checkUri })),
      issuingCertificateURLs: arr(str({ check: checkUri })),
    },
    ['secretName'],
  ),
  selfSigned: obj({ crlDistributionPoints: arr(str({ check: checkUri })) }),
  vault: unsupported('the Vault issuer is not supported by certflow'),
  venafi: unsupported('the Venafi issuer is not supported by certflow'),
});

const certificateSpec = obj(
  {
    secretName: objectName,
    issuerRef,
    commonName: str({ maxLength: 64 }),
    dnsNames: arr(str({ check: dnsName })),
    ipAddresses: arr(str({ check: checkIpAddress })),
    uris: arr(str({ check: checkUri })),
    emailAddresses: arr(str({ check: normaliseEmailAddress })),
    subject: obj({
      organizations: stringList,
      countries: stringList,
      organizationalUnits: stringList,
      localities: stringList,
      provinces: stringList,
      streetAddresses: stringList,
      postalCodes: stringList,
      serialNumber: str(),
    }),
    duration: str({ check: goDuration }),
    renewBefore: str({ check: goDuration }),
    renewBeforePercentage: int(1, 99),
    usages: arr(str({ enum: keyUsages })),
    isCA: bool(),
    privateKey: obj({
      algorithm: str({ enum: ['RSA', 'ECDSA', 'Ed25519'] }),
      size: int(),
      encoding: str({ enum: ['PKCS1', 'PKCS8'] }),
      rotationPolicy: str({ enum: ['Always', 'Never'] }),
    }),
    secretTemplate: obj({ labels, annotations: map(str(), secretTemplateAnnotationKey) }),
    additionalOutputFormats: arr(obj({ type: str({ enum: ['CombinedPEM', 'DER'] }) }, ['type'])),
    keystores: obj({
      pkcs12: obj(
        {
          create: bool(),
          passwordSecretRef: secretKeySelector(true),
          profile: str({ enum: ['LegacyRC2', 'LegacyDES', 'Modern2023'] }),
          password: unsupported(
            'a literal PKCS#12 password is not supported by certflow: use passwordSecretRef',
          ),
        },
        ['create', 'passwordSecretRef'],
      ),
      jks: unsupported('JKS keystores are not supported by certflow: use keystores.pkcs12'),
    }),
    revisionHistoryLimit: int(1),
    encodeUsagesInRequest: unsupported(
      'certflow always encodes usages in the request; encodeUsagesInRequest is not supported',
    ),
    literalSubject: unsupported(
      'literalSubject is not supported by certflow: use subject and commonName',
    ),
    otherNames: unsupported('otherName SANs are not supported by certflow'),
    nameConstraints: unsupported('name constraints are not supported by certflow'),
    renewal: unsupported(
      'renewal windows are not supported by certflow: use renewBefore or renewBeforePercentage',
    ),
    signatureAlgorithm: unsupported(
      'signatureAlgorithm is not supported by certflow: it follows the key algorithm',
    ),
  },
  ['secretName', 'issuerRef'],
);

const csr = str({ check: base64Pem('CERTIFICATE REQUEST', 'a certificate signing request') });

const certificateRequestSpec = obj(
  {
    request: csr,
    issuerRef,
    duration: str({ check: goDuration }),
    isCA: bool(),
    usages: arr(str({ enum: keyUsages })),
    username: str(),
    uid: str(),
    groups: stringList,
    extra: map(stringList),
  },
  ['request', 'issuerRef'],
);

const orderSpec = obj(
  {
    request: csr,
    issuerRef,
    commonName: str({ maxLength: 64 }),
    dnsNames: arr(str({ check: dnsName })),
    ipAddresses: arr(str({ check: checkIpAddress })),
    duration: str({ check: goDuration }),
  },
  ['request', 'issuerRef'],
);

const challengeSpec = obj(
  {
    url: str({ check: httpUrl }),
    authorizationURL: str({ check: httpUrl }),
    // The wildcard flag says `*.`; dnsName is the bare name, as in the ACME identifier.
    dnsName: str({ check: dnsZone }),
    wildcard: bool(),
    type: str({ enum: ['HTTP-01', 'DNS-01', 'TLS-ALPN-01'] }),
    token: str({ nonEmpty: true }),
    key: str({ nonEmpty: true }),
    solver: solverSchema,
    issuerRef,
  },
  ['url', 'authorizationURL', 'dnsName', 'type', 'token', 'key', 'solver', 'issuerRef'],
);

// Status is written by certflow's controllers; a user manifest may carry one (for example from
// `kubectl get -o yaml`), so it is kept as JSON without deeper checks.
const status = map(json());

function resource(spec: SchemaNode): SchemaNode {
  return obj({ apiVersion: str(), kind: str(), metadata, spec, status }, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);
}

/** The schema of each kind, from the top of the object. */
export const resourceSchemas: Readonly<Record<ResourceKind, SchemaNode>> = {
  Issuer: resource(issuerSpec),
  ClusterIssuer: resource(issuerSpec),
  Certificate: resource(certificateSpec),
  CertificateRequest: resource(certificateRequestSpec),
  Order: resource(orderSpec),
  Challenge: resource(challengeSpec),
  Secret: obj(
    {
      apiVersion: str(),
      kind: str(),
      metadata,
      type: str(),
      // PEM text, not base64: see the resource model.
      data: map(str(), checkSecretDataKey),
      stringData: unsupported('certflow Secrets hold text in data; stringData is not supported'),
      immutable: unsupported('immutable Secrets are not supported by certflow'),
    },
    ['apiVersion', 'kind', 'metadata'],
  ),
};
