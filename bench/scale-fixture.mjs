// Writes the scale fixture straight into a file store folder, in the file store's own format:
// records `{"version", "key", "sum", "value"}`, the sum a CRC-32 of version, key and value text,
// as src/stores/file-records.ts writes them, one per line of `records.log` (the log layout, the
// default) or one per file `resources/<Kind>/<namespace>/<name>.json` (`fileLayout: 'files'`).
// Writing 200,000 records through the Store would take longer than the benchmark itself. The
// engine then reads everything through its file store.
//
// What is in it: one ACME Issuer (Ready, its account key Secret), and `count` Certificates, each
// with a valid Secret (tls.crt matches tls.key, the dnsNames, the issuer annotations) and the
// status the certificates controller itself would write, so a restart finds nothing to change.
// `templates` distinct name pairs are made, each with its own leaf certificate signed by one CA;
// Certificate i uses pair i % templates. All leaves share one ECDSA P-256 key: certflow's caches
// are per Secret, so it parses every Secret, derives its key's public point and compares them as
// if each were unique. The first `dueCount / count` of the pairs renew 10-11 days from now, the
// rest 20-60 days from now: moving the engine's clock 12 days makes exactly `dueCount`
// certificates due.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { pool, serveWorker } from './lib/worker.mjs';

const DAY = 86_400_000;
export const JUMP_MS = 12 * DAY;
const NAMESPACE = 'default';
const ISSUER = 'stand-in';

serveWorker(async (config) => {
  const started = performance.now();
  const certflow = await import('../dist/index.js');
  const { count, templates: templateCount, dueCount, directory, now } = config;
  if (count % templateCount !== 0 || dueCount % (count / templateCount) !== 0) {
    throw new Error('count must be a multiple of templates, and dueCount of count / templates');
  }
  const dueTemplates = dueCount / (count / templateCount);

  const ca = await makeCa(certflow, now);
  const leafKey = await certflow.generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const leafKeyPem = await certflow.exportPrivateKeyPem(leafKey, 'PKCS1');

  // One leaf per name pair, and its "renewed" counterpart the stand-in will hand out after the jump.
  const pairs = [];
  for (let k = 0; k < templateCount; k++) {
    const dnsNames = [`s${k}.scale.test`, `www.s${k}.scale.test`];
    const renewIn =
      k < dueTemplates
        ? 10 * DAY + (k * DAY) / dueTemplates
        : 20 * DAY + ((k - dueTemplates) * 40 * DAY) / (templateCount - dueTemplates);
    // Default renewal: two thirds into a 90-day lifetime, i.e. 30 days before notAfter.
    const notAfter = new Date(now + renewIn + 30 * DAY);
    const notBefore = new Date(notAfter.getTime() - 90 * DAY);
    const csr = await certflow.createCsr({ dnsNames }, leafKey);
    const sign = (from, to) =>
      certflow.signCertificate({
        csr: csr.pem,
        issuerKey: ca.key,
        issuerCertificate: ca.pem,
        notBefore: from,
        notAfter: to,
      });
    const leafPem = await sign(notBefore, notAfter);
    const renewedFrom = new Date(now + JUMP_MS - 3_600_000);
    const renewedPem = await sign(renewedFrom, new Date(renewedFrom.getTime() + 90 * DAY));
    pairs.push({ dnsNames, leafPem, renewedPem, info: certflow.parseCertificate(leafPem) });
  }

  const records = [];
  const put = (kind, name, value) =>
    records.push({ file: path.join('resources', kind, NAMESPACE, `${name}.json`), value });

  const accountKeyPem = await certflow.exportPrivateKeyPem(
    await certflow.generatePrivateKey({ algorithm: 'ECDSA', size: 256 }),
    'PKCS8',
  );
  const created = new Date(now - 60 * DAY).toISOString();
  const metadata = (name) => ({
    name,
    namespace: NAMESPACE,
    uid: randomUUID(),
    creationTimestamp: created,
    generation: 1,
  });
  const readyAt = new Date(now - DAY);
  put('Secret', `${ISSUER}-account-key`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(`${ISSUER}-account-key`),
    type: 'Opaque',
    data: { 'tls.key': accountKeyPem },
  });
  put('Issuer', ISSUER, {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: metadata(ISSUER),
    spec: {
      acme: {
        server: 'https://acme.stand-in.invalid/directory',
        privateKeySecretRef: { name: `${ISSUER}-account-key` },
        solvers: [{ http01: {} }],
      },
    },
    status: {
      conditions: certflow.setCondition(
        undefined,
        {
          type: 'Ready',
          status: 'True',
          reason: 'ACMEAccountRegistered',
          message: 'The ACME account was registered with the ACME server',
        },
        readyAt,
        1,
      ),
      acme: {
        uri: 'https://acme.stand-in.invalid/account/1',
        lastPrivateKeyHash: createHash('sha256').update(accountKeyPem).digest('hex').slice(0, 32),
      },
    },
  });

  for (let i = 0; i < count; i++) {
    const pair = pairs[i % templateCount];
    const name = `c${i}`;
    const renewal = certflow.renewalTime({
      notBefore: pair.info.notBefore,
      notAfter: pair.info.notAfter,
    });
    put('Certificate', name, {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: metadata(name),
      spec: {
        secretName: `${name}-tls`,
        issuerRef: { name: ISSUER, kind: 'Issuer' },
        dnsNames: pair.dnsNames,
        privateKey: { algorithm: 'ECDSA', size: 256 },
      },
      // As the certificates controller writes it after an issuance, so a restart changes nothing.
      status: {
        conditions: certflow.setCondition(
          undefined,
          {
            type: 'Ready',
            status: 'True',
            reason: 'Ready',
            message: 'Certificate is up to date and has not expired',
          },
          readyAt,
          1,
        ),
        revision: 1,
        failedIssuanceAttempts: 0,
        notBefore: pair.info.notBefore.toISOString(),
        notAfter: pair.info.notAfter.toISOString(),
        renewalTime: renewal.toISOString(),
      },
    });
    put('Secret', `${name}-tls`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...metadata(`${name}-tls`),
        labels: { 'controller.cert-manager.io/fao': 'true' },
        annotations: {
          'cert-manager.io/certificate-name': name,
          'cert-manager.io/issuer-name': ISSUER,
          'cert-manager.io/issuer-kind': 'Issuer',
          'cert-manager.io/issuer-group': 'cert-manager.io',
          'cert-manager.io/common-name': '',
          'cert-manager.io/alt-names': pair.dnsNames.join(','),
          'cert-manager.io/ip-sans': '',
          'cert-manager.io/uri-sans': '',
        },
      },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': pair.leafPem + ca.pem, 'tls.key': leafKeyPem, 'ca.crt': ca.pem },
    });
  }

  const generatedMs = performance.now() - started;
  const recordText = ({ file, value }) => {
    const version = `1-${randomBytes(9).toString('base64url')}`;
    const key = file.replace(/\.json$/, '');
    const json = JSON.stringify(value);
    const sum = crc32(json, crc32(key, crc32(version)))
      .toString(16)
      .padStart(8, '0');
    return `{"version":${JSON.stringify(version)},"key":${JSON.stringify(key)},"sum":"${sum}","value":${json}}`;
  };
  let bytes = 0;
  if (config.fileLayout === 'files') {
    for (const kind of ['Issuer', 'Certificate', 'Secret']) {
      await mkdir(path.join(directory, 'resources', kind, NAMESPACE), {
        recursive: true,
        mode: 0o700,
      });
    }
    await pool(records.length, 64, async (index) => {
      const text = recordText(records[index]);
      bytes += text.length;
      await writeFile(path.join(directory, records[index].file), text, { mode: 0o600 });
    });
  } else {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const log = await open(path.join(directory, 'records.log'), 'wx', 0o600);
    try {
      for (let index = 0; index < records.length; index += 1024) {
        const text = records
          .slice(index, index + 1024)
          .map((record) => `${recordText(record)}\n`)
          .join('');
        bytes += text.length;
        await log.write(text);
      }
    } finally {
      await log.close();
    }
  }
  return {
    count,
    dueCount,
    templates: templateCount,
    records: records.length,
    bytes,
    generatedMs,
    writtenMs: performance.now() - started - generatedMs,
    jumpMs: JUMP_MS,
    caKeyPem: ca.keyPem,
    caPem: ca.pem,
    renewed: pairs.map((p) => ({ dnsNames: p.dnsNames, pem: p.renewedPem })),
  };
});

/** A self-signed ECDSA P-256 CA. */
async function makeCa(certflow, now) {
  const key = await certflow.generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const csr = await certflow.createCsr(
    { subject: { commonName: 'certflow bench CA' }, isCA: true },
    key,
  );
  const pem = await certflow.signCertificate({
    csr: csr.pem,
    issuerKey: key,
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 3650 * DAY),
    isCA: true,
  });
  return { key, pem, keyPem: await certflow.exportPrivateKeyPem(key, 'PKCS8') };
}
