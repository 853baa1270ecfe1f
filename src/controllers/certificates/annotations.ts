/** Annotations certflow puts on the CertificateRequests it creates. */
export const requestAnnotations = {
  certificateName: 'cert-manager.io/certificate-name',
  revision: 'cert-manager.io/certificate-revision',
  /** The Secret holding the request's private key (the SelfSigned signer signs with it). */
  privateKeySecretName: 'cert-manager.io/private-key-secret-name',
  /** Which failed attempt this request belongs to; a request from an earlier attempt is stale. */
  attempt: 'certflow.io/issuance-attempt',
} as const;

/** cert-manager's annotations on a certificate Secret. */
export const secretAnnotations = {
  certificateName: 'cert-manager.io/certificate-name',
  issuerName: 'cert-manager.io/issuer-name',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  commonName: 'cert-manager.io/common-name',
  altNames: 'cert-manager.io/alt-names',
  ipSans: 'cert-manager.io/ip-sans',
  uriSans: 'cert-manager.io/uri-sans',
  emailSans: 'cert-manager.io/email-sans',
  subjectSerialNumber: 'cert-manager.io/subject-serialnumber',
  subjectOrganizations: 'cert-manager.io/subject-organizations',
  subjectOrganizationalUnits: 'cert-manager.io/subject-organizationalunits',
  subjectCountries: 'cert-manager.io/subject-countries',
  subjectProvinces: 'cert-manager.io/subject-provinces',
  subjectLocalities: 'cert-manager.io/subject-localities',
  subjectPostalCodes: 'cert-manager.io/subject-postalcodes',
  subjectStreetAddresses: 'cert-manager.io/subject-streetaddresses',
} as const;

/** The label cert-manager puts on every Secret its issuing controller writes. */
export const partOfCertManagerLabel = 'controller.cert-manager.io/fao';

/** The label on the Secret that holds a Certificate's next private key. */
export const nextPrivateKeyLabel = 'cert-manager.io/next-private-key';

/** The Secret data keys certflow writes besides `tls.crt`, `tls.key` and `ca.crt`. */
export const secretDataKeys = {
  /** `additionalOutputFormats: [{ type: CombinedPEM }]`: the key then the chain, PEM. */
  combinedPem: 'tls-combined.pem',
  /** `additionalOutputFormats: [{ type: DER }]`: the key, DER, base64 in `data`. */
  keyDer: 'key.der',
  /** `keystores.pkcs12`: the key and chain, PKCS#12, base64 in `data`. */
  pkcs12Keystore: 'keystore.p12',
  /** `keystores.pkcs12` with a CA: the CA certificates, PKCS#12, base64 in `data`. */
  pkcs12Truststore: 'truststore.p12',
} as const;
