// Issue a certificate over HTTP-01 from a process that already serves HTTP on port 80.
// (Examples are type-checked with the project; they run wherever the package is installed.)
//
// The host keeps its own server: certflow's HTTP-01 solver only supplies a request handler that
// answers /.well-known/acme-challenge/<token> and passes everything else on.
import { createServer } from 'node:http';
import { createEngine, createFileStore, createHttp01Solver } from 'certflow';

const http01 = createHttp01Solver();
const server = createServer((req, res) => {
  http01.handler(req, res, () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello\n');
  });
});
server.listen(80);

const engine = createEngine({
  store: createFileStore({ directory: '/var/lib/example/certflow' }),
  solvers: { http01 },
});
engine.on('challenge:transition', ({ challenge, from, to }) =>
  console.log(`${challenge.spec.dnsName}: ${from} -> ${to}`),
);
engine.on('certificate:failed', ({ certificate, message }) =>
  console.error(`${certificate.metadata.name}: ${message}`),
);

await engine.apply(`
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: { name: letsencrypt-staging }
spec:
  acme:
    server: https://acme-staging-v02.api.letsencrypt.org/directory
    email: ops@example.com
    privateKeySecretRef: { name: letsencrypt-staging-account }
    solvers:
      - http01: { ingress: {} }
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: www }
spec:
  secretName: www-tls
  dnsNames: [example.com, www.example.com]
  privateKey: { algorithm: ECDSA, size: 256 }
  issuerRef: { name: letsencrypt-staging }
`);
await engine.start();
const certificate = await engine.waitFor('Certificate', 'www', 'Ready', { timeoutMs: 300_000 });
console.log(
  `ready until ${certificate.status?.notAfter}; renews at ${certificate.status?.renewalTime}`,
);
