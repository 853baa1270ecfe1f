#!/usr/bin/env node
// certflow's main job, end to end: start a local Pebble (the ACME test CA) and its DNS, then issue a
// certificate over HTTP-01 on the embedded file store in ./.certflow, printing every transition.
import { rm } from 'node:fs/promises';
import process from 'node:process';
import { ensurePebble } from './ensure-pebble.mjs';

ensurePebble();

const { createEngine, createFileStore, createHttp01Solver, parseCertificate, splitPemChain } =
  await import('../dist/index.js');
const { startPebble } = await import('../dist/testing/index.js');

// Pebble keeps nothing between runs, so what an earlier run stored (its account, its orders) means
// nothing to this one: the demo starts from an empty store each time.
const directory = '.certflow';
await rm(directory, { recursive: true, force: true });

const started = Date.now();
const elapsed = () => `${String(Date.now() - started).padStart(6)} ms`;
console.log('Starting Pebble and pebble-challtestsrv on loopback ...');
const pebble = await startPebble();
console.log(`${elapsed()}  ACME directory ${pebble.directoryUrl}`);

const http01 = createHttp01Solver({
  selfCheck: { nameservers: [pebble.challtestsrv.dnsAddress], port: pebble.httpPort },
});
await http01.listen({ host: '127.0.0.1', port: pebble.httpPort });

const engine = createEngine({
  store: createFileStore({ directory }),
  solvers: { http01 },
  challengePolicy: { selfCheckIntervalMs: 500, pollIntervalMs: 250 },
});
engine.on('certificate:issuing', ({ certificate, reason }) =>
  console.log(`${elapsed()}  Certificate ${certificate.metadata.name}: issuing (${reason})`),
);
engine.on('certificaterequest:transition', ({ certificateRequest, to }) =>
  console.log(`${elapsed()}  CertificateRequest ${certificateRequest.metadata.name}: ${to}`),
);
engine.on('order:transition', ({ order, from, to }) =>
  console.log(`${elapsed()}  Order ${order.metadata.name}: ${from ?? '-'} -> ${to}`),
);
engine.on('challenge:transition', ({ challenge, from, to }) =>
  console.log(
    `${elapsed()}  Challenge ${challenge.spec.type} ${challenge.spec.dnsName}: ${from} -> ${to}`,
  ),
);
engine.on('certificate:issued', ({ certificate, revision }) =>
  console.log(
    `${elapsed()}  Certificate ${certificate.metadata.name}: issued, revision ${revision}`,
  ),
);
engine.on('certificate:failed', ({ certificate, message }) =>
  console.log(`${elapsed()}  Certificate ${certificate.metadata.name}: failed: ${message}`),
);

await engine.apply(`
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: pebble
spec:
  acme:
    server: ${pebble.directoryUrl}
    email: demo@example.test
    caBundle: ${pebble.caBundle}
    privateKeySecretRef:
      name: pebble-account-key
    solvers:
      - http01:
          ingress: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: demo
spec:
  secretName: demo-tls
  commonName: demo.example.test
  dnsNames: [demo.example.test, www.demo.example.test]
  privateKey:
    algorithm: ECDSA
    size: 256
  issuerRef:
    name: pebble
    kind: Issuer
`);
let code = 0;
try {
  const issued = new Promise((resolve) => engine.once('certificate:issued', resolve));
  await engine.start();
  await engine.waitFor('Certificate', 'demo', 'Ready', { timeoutMs: 120_000 });
  await issued;
  const secret = await engine.get('Secret', 'demo-tls');
  const leaf = parseCertificate(splitPemChain(secret.data['tls.crt'])[0]);
  console.log('');
  console.log(
    `Issued in ${Date.now() - started} ms, stored in ${directory}/ (Secret default/demo-tls)`,
  );
  console.log(`  subject:   ${leaf.subjectText}`);
  console.log(`  issuer:    ${leaf.issuerText}`);
  console.log(`  SANs:      ${leaf.dnsNames.join(', ')}`);
  console.log(`  notBefore: ${leaf.notBefore.toISOString()}`);
  console.log(`  expires:   ${leaf.notAfter.toISOString()}`);
  console.log(`  serial:    ${leaf.serialNumber}`);
} catch (err) {
  console.error(`Issuance failed: ${err instanceof Error ? err.message : String(err)}`);
  code = 1;
} finally {
  await engine.stop();
  await http01.close();
  await pebble.stop();
}
process.exit(code);
