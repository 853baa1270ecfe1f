import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.js';
import { createHttp01Solver } from '../../src/solvers/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { createChallTestSrvDns01Solver } from '../../src/testing/challtestsrv-solver.js';
import { startPebble, type PebbleServer } from '../../src/testing/pebble.js';
import type { Secret } from '../../src/domain/types.js';
import {
  importPrivateKeyPem,
  keyMatchesCertificate,
  splitPemChain,
} from '../../src/crypto/index.js';

const run = promisify(execFile);

/** A Pebble, an HTTP-01 solver that Pebble can reach, and a DNS-01 solver on challtestsrv. */
export interface E2E {
  pebble: PebbleServer;
  http01: ReturnType<typeof createHttp01Solver>;
  engine: Engine;
  /** An ACME Issuer manifest for this Pebble, with the given solvers block. */
  issuer(name: string, solvers: unknown[]): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startE2E(
  options: Partial<EngineOptions> & { pebbleEnv?: Record<string, string> } = {},
): Promise<E2E> {
  const { pebbleEnv, ...engineOptions } = options;
  const pebble = await startPebble(pebbleEnv === undefined ? {} : { env: pebbleEnv });
  const http01 = createHttp01Solver({
    selfCheck: { nameservers: [pebble.challtestsrv.dnsAddress], port: pebble.httpPort },
  });
  await http01.listen({ host: '127.0.0.1', port: pebble.httpPort });
  const engine = createEngine({
    store: createMemoryStore(),
    solvers: { http01, challtestsrv: createChallTestSrvDns01Solver(pebble.challtestsrv) },
    challengePolicy: {
      selfCheckIntervalMs: 500,
      pollIntervalMs: 250,
      backoffBaseMs: 200,
      backoffMaxMs: 2_000,
    },
    retry: { baseMs: 100, maxMs: 2_000 },
    ...engineOptions,
  });
  return {
    pebble,
    http01,
    engine,
    issuer: (name, solvers) => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: { name, namespace: 'default' },
      spec: {
        acme: {
          server: pebble.directoryUrl,
          email: 'ops@example.test',
          caBundle: pebble.caBundle,
          privateKeySecretRef: { name: `${name}-account-key` },
          solvers,
        },
      },
    }),
    async stop() {
      await engine.stop();
      await http01.close();
      await pebble.stop();
    },
  };
}

/**
 * Starts one E2E setup for the enclosing `describe` (before its tests) and stops it after them;
 * the returned function gives the running setup.
 */
export function useE2E(options?: Parameters<typeof startE2E>[0]): () => E2E {
  let e2e: E2E | undefined;
  beforeAll(async () => {
    e2e = await startE2E(options);
  });
  afterAll(async () => {
    await e2e?.stop();
  });
  return () => {
    if (e2e === undefined) throw new Error('the E2E setup has not started');
    return e2e;
  };
}

/** `openssl verify` of a Secret's chain against Pebble's root; returns openssl's output. */
export async function verifyWithOpenssl(pebble: PebbleServer, secret: Secret): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'certflow-e2e-'));
  try {
    const chain = splitPemChain(secret.data?.['tls.crt'] ?? '');
    const [leaf, ...intermediates] = chain;
    await writeFile(path.join(dir, 'root.pem'), await pebble.rootCertificatePem());
    await writeFile(path.join(dir, 'leaf.pem'), leaf ?? '');
    await writeFile(path.join(dir, 'chain.pem'), intermediates.join(''));
    const { stdout } = await run('openssl', [
      'verify',
      '-CAfile',
      path.join(dir, 'root.pem'),
      '-untrusted',
      path.join(dir, 'chain.pem'),
      path.join(dir, 'leaf.pem'),
    ]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether the Secret's tls.key matches its leaf certificate. */
export async function secretKeyMatches(secret: Secret): Promise<boolean> {
  const key = await importPrivateKeyPem(secret.data?.['tls.key'] ?? '');
  return keyMatchesCertificate(key, splitPemChain(secret.data?.['tls.crt'] ?? '')[0] ?? '');
}

/** `openssl x509 -text` of the leaf. */
export async function opensslText(secret: Secret): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'certflow-e2e-'));
  try {
    await writeFile(
      path.join(dir, 'leaf.pem'),
      splitPemChain(secret.data?.['tls.crt'] ?? '')[0] ?? '',
    );
    const { stdout } = await run('openssl', [
      'x509',
      '-in',
      path.join(dir, 'leaf.pem'),
      '-noout',
      '-text',
    ]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A Certificate manifest. */
export function certificate(
  name: string,
  issuer: string,
  dnsNames: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: 'default' },
    spec: {
      secretName: `${name}-tls`,
      issuerRef: { name: issuer, kind: 'Issuer' },
      dnsNames,
      privateKey: { algorithm: 'ECDSA', size: 256 },
      ...extra,
    },
  };
}
