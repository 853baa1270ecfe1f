/**
 * The resource model: cert-manager's v1 shapes as TypeScript types.
 *
 * @remarks
 * Resources are plain JSON. `Secret.data` holds PEM text (not base64) for `tls.crt`, `tls.key`
 * and `ca.crt`; binary outputs (DER, PKCS#12) are base64.
 *
 * @packageDocumentation
 */

/** A reference from an owned object to its owner. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Kubernetes object metadata, as far as certflow uses it. */
export interface ObjectMeta {
  name: string;
  /** Namespaced kinds default to `default`; cluster-scoped kinds have none. */
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** RFC 3339. */
  creationTimestamp?: string;
  /** RFC 3339; set while the object is being deleted. */
  deletionTimestamp?: string;
}

/** `True`, `False` or `Unknown`, as in Kubernetes. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  /** RFC 3339. */
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** A reference to an Issuer or ClusterIssuer. */
export interface IssuerRef {
  name: string;
  /** `Issuer` (the default) or `ClusterIssuer`. */
  kind?: string;
  /** `cert-manager.io` (the default). */
  group?: string;
}

/** A reference to a key in a Secret. */
export interface SecretKeySelector {
  name: string;
  key?: string;
}

// ---------------------------------------------------------------------------------------------
// Issuer / ClusterIssuer
// ---------------------------------------------------------------------------------------------

/** Which names a solver applies to. */
export interface CertificateDNSNameSelector {
  matchLabels?: Record<string, string>;
  dnsNames?: string[];
  dnsZones?: string[];
}

/** An HTTP-01 solver entry. certflow's host serves the token, so the blocks only pick the solver. */
export interface ACMEChallengeSolverHTTP01 {
  ingress?: Record<string, unknown>;
  gatewayHTTPRoute?: Record<string, unknown>;
}

/** A webhook DNS-01 solver: `solverName` names a solver registered with the engine. */
export interface ACMEIssuerDNS01ProviderWebhook {
  groupName: string;
  solverName: string;
  config?: unknown;
}

/** An RFC 2136 DNS-01 solver. */
export interface ACMEIssuerDNS01ProviderRFC2136 {
  nameserver: string;
  tsigKeyName?: string;
  tsigAlgorithm?: string;
  tsigSecretSecretRef?: SecretKeySelector;
}

/** A DNS-01 solver entry. */
export interface ACMEChallengeSolverDNS01 {
  cnameStrategy?: 'None' | 'Follow';
  webhook?: ACMEIssuerDNS01ProviderWebhook;
  rfc2136?: ACMEIssuerDNS01ProviderRFC2136;
}

/** One entry of an ACME issuer's `solvers`. */
export interface ACMEChallengeSolver {
  selector?: CertificateDNSNameSelector;
  http01?: ACMEChallengeSolverHTTP01;
  dns01?: ACMEChallengeSolverDNS01;
}

/** External account binding. */
export interface ACMEExternalAccountBinding {
  keyID: string;
  keySecretRef: SecretKeySelector;
  keyAlgorithm?: 'HS256' | 'HS384' | 'HS512';
}

/** The ACME block of an issuer. */
export interface ACMEIssuer {
  server: string;
  email?: string;
  privateKeySecretRef: SecretKeySelector;
  /** Base64 of PEM CA certificates trusted for the ACME server's TLS. */
  caBundle?: string;
  skipTLSVerify?: boolean;
  externalAccountBinding?: ACMEExternalAccountBinding;
  preferredChain?: string;
  solvers?: ACMEChallengeSolver[];
  disableAccountKeyGeneration?: boolean;
  enableDurationFeature?: boolean;
}

/** The CA block of an issuer. */
export interface CAIssuer {
  secretName: string;
  crlDistributionPoints?: string[];
  ocspServers?: string[];
  issuingCertificateURLs?: string[];
}

/** The SelfSigned block of an issuer. */
export interface SelfSignedIssuer {
  crlDistributionPoints?: string[];
}

/** The spec of an Issuer or ClusterIssuer: exactly one of `acme`, `ca`, `selfSigned`. */
export interface IssuerSpec {
  acme?: ACMEIssuer;
  ca?: CAIssuer;
  selfSigned?: SelfSignedIssuer;
}

/** The ACME part of an issuer's status. */
export interface ACMEIssuerStatus {
  uri?: string;
  lastRegisteredEmail?: string;
  lastPrivateKeyHash?: string;
}

/** The status of an Issuer or ClusterIssuer. */
export interface IssuerStatus {
  conditions?: Condition[];
  acme?: ACMEIssuerStatus;
}

/** A namespaced issuer. */
export interface Issuer {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Issuer';
  metadata: ObjectMeta;
  spec: IssuerSpec;
  status?: IssuerStatus;
}

/** A cluster-scoped issuer. */
export interface ClusterIssuer {
  apiVersion: 'cert-manager.io/v1';
  kind: 'ClusterIssuer';
  metadata: ObjectMeta;
  spec: IssuerSpec;
  status?: IssuerStatus;
}

// ---------------------------------------------------------------------------------------------
// Certificate
// ---------------------------------------------------------------------------------------------

/** Key usages, in cert-manager's spelling. */
export type KeyUsage =
  | 'signing'
  | 'digital signature'
  | 'content commitment'
  | 'key encipherment'
  | 'key agreement'
  | 'data encipherment'
  | 'cert sign'
  | 'crl sign'
  | 'encipher only'
  | 'decipher only'
  | 'any'
  | 'server auth'
  | 'client auth'
  | 'code signing'
  | 'email protection'
  | 's/mime'
  | 'ipsec end system'
  | 'ipsec tunnel'
  | 'ipsec user'
  | 'timestamping'
  | 'ocsp signing'
  | 'microsoft sgc'
  | 'netscape sgc';

/** Subject fields other than the common name. */
export interface X509Subject {
  organizations?: string[];
  countries?: string[];
  organizationalUnits?: string[];
  localities?: string[];
  provinces?: string[];
  streetAddresses?: string[];
  postalCodes?: string[];
  serialNumber?: string;
}

/** Private key algorithm. */
export type PrivateKeyAlgorithm = 'RSA' | 'ECDSA' | 'Ed25519';

/** Private key encoding in the Secret. */
export type PrivateKeyEncoding = 'PKCS1' | 'PKCS8';

/** Whether a reissuance makes a new key. */
export type PrivateKeyRotationPolicy = 'Always' | 'Never';

/** The private key part of a Certificate spec. */
export interface CertificatePrivateKey {
  algorithm?: PrivateKeyAlgorithm;
  size?: number;
  encoding?: PrivateKeyEncoding;
  rotationPolicy?: PrivateKeyRotationPolicy;
}

/** Labels and annotations copied onto the Secret. */
export interface CertificateSecretTemplate {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Extra formats written into the Secret. */
export interface CertificateAdditionalOutputFormat {
  type: 'CombinedPEM' | 'DER';
}

/** Keystores written into the Secret. */
export interface CertificateKeystores {
  pkcs12?: {
    create: boolean;
    passwordSecretRef: SecretKeySelector;
    profile?: 'LegacyRC2' | 'LegacyDES' | 'Modern2023';
  };
  jks?: {
    create: boolean;
    passwordSecretRef: SecretKeySelector;
    alias?: string;
  };
}

/** The spec of a Certificate. */
export interface CertificateSpec {
  secretName: string;
  issuerRef: IssuerRef;
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  subject?: X509Subject;
  /** A Go duration such as `2160h`. */
  duration?: string;
  /** A Go duration. */
  renewBefore?: string;
  renewBeforePercentage?: number;
  usages?: KeyUsage[];
  isCA?: boolean;
  privateKey?: CertificatePrivateKey;
  secretTemplate?: CertificateSecretTemplate;
  additionalOutputFormats?: CertificateAdditionalOutputFormat[];
  keystores?: CertificateKeystores;
  revisionHistoryLimit?: number;
  encodeUsagesInRequest?: boolean;
}

/** The status of a Certificate. */
export interface CertificateStatus {
  conditions?: Condition[];
  /** RFC 3339. */
  lastFailureTime?: string;
  notBefore?: string;
  notAfter?: string;
  renewalTime?: string;
  revision?: number;
  nextPrivateKeySecretName?: string;
  failedIssuanceAttempts?: number;
}

/** A desired certificate. */
export interface Certificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: ObjectMeta;
  spec: CertificateSpec;
  status?: CertificateStatus;
}

// ---------------------------------------------------------------------------------------------
// CertificateRequest
// ---------------------------------------------------------------------------------------------

/** The spec of a CertificateRequest. */
export interface CertificateRequestSpec {
  /** Base64 of the PEM PKCS#10 CSR, as in cert-manager. */
  request: string;
  issuerRef: IssuerRef;
  duration?: string;
  isCA?: boolean;
  usages?: KeyUsage[];
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The status of a CertificateRequest. */
export interface CertificateRequestStatus {
  conditions?: Condition[];
  /** Base64 of the PEM certificate chain (leaf first). */
  certificate?: string;
  /** Base64 of the PEM CA certificate. */
  ca?: string;
  failureTime?: string;
}

/** One request to an issuer, one per Certificate revision. */
export interface CertificateRequest {
  apiVersion: 'cert-manager.io/v1';
  kind: 'CertificateRequest';
  metadata: ObjectMeta;
  spec: CertificateRequestSpec;
  status?: CertificateRequestStatus;
}

// ---------------------------------------------------------------------------------------------
// Order / Challenge
// ---------------------------------------------------------------------------------------------

/** ACME object states (open: a server may send others). */
export type ACMEState =
  'valid' | 'ready' | 'pending' | 'processing' | 'invalid' | 'expired' | 'errored' | (string & {});

/** Challenge types certflow solves, in cert-manager's spelling. */
export type ACMEChallengeType = 'HTTP-01' | 'DNS-01' | 'TLS-ALPN-01';

/** One challenge offered by an authorization. */
export interface ACMEChallenge {
  url: string;
  token: string;
  /** The ACME wire type: `http-01`, `dns-01`, `tls-alpn-01`, ... */
  type: string;
}

/** One authorization of an order. */
export interface ACMEAuthorization {
  url: string;
  identifier?: string;
  wildcard?: boolean;
  initialState?: ACMEState;
  challenges?: ACMEChallenge[];
}

/** The spec of an Order. */
export interface OrderSpec {
  /** Base64 of the PEM CSR. */
  request: string;
  issuerRef: IssuerRef;
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  duration?: string;
}

/** The status of an Order. */
export interface OrderStatus {
  url?: string;
  finalizeURL?: string;
  /** Base64 of the PEM chain. */
  certificate?: string;
  state?: ACMEState;
  reason?: string;
  authorizations?: ACMEAuthorization[];
  failureTime?: string;
}

/** An ACME order. */
export interface Order {
  apiVersion: 'acme.cert-manager.io/v1';
  kind: 'Order';
  metadata: ObjectMeta;
  spec: OrderSpec;
  status?: OrderStatus;
}

/** The challenge state machine's states. */
export type ChallengePhase =
  | 'Queued'
  | 'Scheduled'
  | 'Presenting'
  | 'SelfCheck'
  | 'Accepted'
  | 'Valid'
  | 'Invalid'
  | 'Errored'
  | 'Expired';

/** The spec of a Challenge. */
export interface ChallengeSpec {
  url: string;
  authorizationURL: string;
  dnsName: string;
  wildcard?: boolean;
  type: ACMEChallengeType;
  token: string;
  /** HTTP-01: the key authorization; DNS-01: the TXT record value. */
  key: string;
  solver: ACMEChallengeSolver;
  issuerRef: IssuerRef;
}

/** The status of a Challenge. */
export interface ChallengeStatus {
  /** The machine state. */
  phase?: ChallengePhase;
  /** The ACME state. */
  state?: ACMEState;
  processing?: boolean;
  presented?: boolean;
  /** RFC 3339: when the solver last presented. */
  presentedAt?: string;
  reason?: string;
  /** RFC 3339: when the scheduler picked it. */
  scheduledAt?: string;
  /** How many times the current step has been retried. */
  attempts?: number;
  /** RFC 3339: when the current step may run again (backoff, self-check interval). */
  nextAttemptAt?: string;
  /** RFC 3339: the overall deadline. */
  deadline?: string;
  /** Whether the terminal clean-up has run. */
  cleanedUp?: boolean;
}

/** One ACME challenge being solved. */
export interface Challenge {
  apiVersion: 'acme.cert-manager.io/v1';
  kind: 'Challenge';
  metadata: ObjectMeta;
  spec: ChallengeSpec;
  status?: ChallengeStatus;
}

// ---------------------------------------------------------------------------------------------
// Secret
// ---------------------------------------------------------------------------------------------

/** A Secret. For `kubernetes.io/tls`, `data` values are PEM text. */
export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}

/** Every resource certflow knows. */
export type Resource =
  Issuer | ClusterIssuer | Certificate | CertificateRequest | Order | Challenge | Secret;

/** The kinds of {@link Resource}. */
export type ResourceKind = Resource['kind'];

/** The resource of a given kind. */
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;
