// Plug a DNS provider into DNS-01: certflow calls setRecord / removeRecord and checks the TXT
// record itself against the nameservers you name before it asks the CA to validate.
import { createDns01Solver, createEngine, createMemoryStore, type SolverContext } from 'certflow';

/** Stand-in for your DNS provider's API client. */
interface DnsApi {
  upsertTxt(fqdn: string, value: string, signal: AbortSignal): Promise<void>;
  deleteTxt(fqdn: string, value: string, signal: AbortSignal): Promise<void>;
}

export function createProviderSolver(api: DnsApi) {
  return createDns01Solver({
    // Called by present(): must be idempotent and return quickly.
    setRecord: (fqdn: string, value: string, ctx: SolverContext) =>
      api.upsertTxt(fqdn, value, ctx.signal),
    // Called by cleanUp(): must not assume setRecord succeeded.
    removeRecord: (fqdn: string, value: string, ctx: SolverContext) =>
      api.deleteTxt(fqdn, value, ctx.signal),
    // Ask the zone's authoritative servers, not a caching resolver.
    nameservers: ['198.51.100.53'],
  });
}

export async function run(api: DnsApi): Promise<void> {
  const engine = createEngine({
    store: createMemoryStore(),
    // An issuer picks it with: dns01: { webhook: { groupName: example.com, solverName: my-dns } }
    solvers: { 'my-dns': createProviderSolver(api) },
  });
  await engine.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'acme' },
    spec: {
      acme: {
        server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
        privateKeySecretRef: { name: 'acme-account' },
        solvers: [{ dns01: { webhook: { groupName: 'example.com', solverName: 'my-dns' } } }],
      },
    },
  });
  await engine.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'wildcard' },
    spec: {
      secretName: 'wildcard-tls',
      dnsNames: ['*.example.com', 'example.com'],
      issuerRef: { name: 'acme' },
    },
  });
  await engine.start();
  await engine.waitFor('Certificate', 'wildcard', 'Ready', { timeoutMs: 600_000 });
  await engine.stop();
}
