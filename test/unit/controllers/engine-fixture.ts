// An engine on a memory store and a fake clock, with SelfSigned and CA issuers: no network.
import { afterEach, vi } from 'vitest';
import {
  createCsr,
  generatePrivateKey,
  exportPrivateKeyPem,
  signCertificate,
  splitPemChain,
  parseCertificate,
  type CertificateInfo,
  type PrivateKey,
} from '../../../src/crypto/index.js';
import type { Certificate, Secret } from '../../../src/domain/types.js';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/engine.js';
import type { EngineEventName, EngineEvents } from '../../../src/events.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';

export const hour = 3_600_000;
export const day = 24 * hour;

export interface Fixture {
  engine: Engine;
  clock: FakeClock;
  stop(): Promise<void>;
}

/** Engines started by the running test; each is stopped after it (stop() is idempotent). */
const started: Fixture[] = [];
afterEach(async () => {
  for (const fixture of started.splice(0)) await fixture.stop();
});

/**
 * A started engine on a fake clock that starts at the real time, so that what it issues also
 * verifies with openssl today. It is stopped after the test that started it.
 */
export async function startEngine(options: Partial<EngineOptions> = {}): Promise<Fixture> {
  const clock = createFakeClock(Math.floor(Date.now() / 1000) * 1000);
  const engine = createEngine({
    store: createMemoryStore(),
    clock,
    retry: { baseMs: 100, maxMs: 1_000 },
    ...options,
  });
  await engine.start();
  const fixture = { engine, clock, stop: () => engine.stop() };
  started.push(fixture);
  return fixture;
}

/** A SelfSigned Issuer manifest. */
export function selfSignedIssuer(name: string): Record<string, unknown> {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name, namespace: 'default' },
    spec: { selfSigned: {} },
  };
}

/** A CA Issuer manifest. */
export function caIssuer(name: string, secretName: string): Record<string, unknown> {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name, namespace: 'default' },
    spec: { ca: { secretName } },
  };
}

/** A Certificate manifest (ECDSA P-256 unless `spec.privateKey` says otherwise). */
export function certificate(
  name: string,
  issuer: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: 'default' },
    spec: {
      secretName: `${name}-tls`,
      issuerRef: { name: issuer },
      dnsNames: [`${name}.example.test`],
      privateKey: { algorithm: 'ECDSA', size: 256 },
      ...spec,
    },
  };
}

/** A self-signed CA key pair as a `kubernetes.io/tls` Secret manifest. */
export async function caSecret(
  name: string,
  options: { notBefore: number; notAfter: number; isCA?: boolean; commonName?: string },
): Promise<{ manifest: Record<string, unknown>; certificatePem: string; key: PrivateKey }> {
  const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const isCA = options.isCA ?? true;
  const { pem } = await createCsr(
    { subject: { commonName: options.commonName ?? `${name} CA` }, isCA },
    key,
  );
  const certificatePem = await signCertificate({
    csr: pem,
    issuerKey: key,
    notBefore: new Date(options.notBefore),
    notAfter: new Date(options.notAfter),
    isCA,
  });
  return {
    key,
    certificatePem,
    manifest: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'default' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': certificatePem, 'tls.key': await exportPrivateKeyPem(key, 'PKCS8') },
    },
  };
}

/** Resolves with the next event `name` whose payload passes `filter`. */
export function nextEvent<E extends EngineEventName>(
  engine: Engine,
  name: E,
  filter: (payload: Parameters<EngineEvents[E]>[0]) => boolean = () => true,
): Promise<Parameters<EngineEvents[E]>[0]> {
  return new Promise((resolve) => {
    const listener = ((payload: Parameters<EngineEvents[E]>[0]) => {
      if (!filter(payload)) return;
      engine.off(name, listener);
      resolve(payload);
    }) as EngineEvents[E];
    engine.on(name, listener);
  });
}

/**
 * Waits (in real time: crypto and the Store run for real) until the Certificate is Ready at
 * `revision`, then a little longer so that the engine is idle before the test moves the clock.
 */
export async function waitForRevision(
  engine: Engine,
  name: string,
  revision: number,
): Promise<Certificate> {
  const certificate = await vi.waitFor(
    async () => {
      const cert = await engine.get('Certificate', name);
      const ready = cert?.status?.conditions?.find((c) => c.type === 'Ready');
      if (cert?.status?.revision !== revision || ready?.status !== 'True') {
        throw new Error(
          `Certificate ${name} is at revision ${cert?.status?.revision}, Ready ${ready?.status} ${ready?.reason ?? ''} ${ready?.message ?? ''}`,
        );
      }
      return cert;
    },
    { timeout: 15_000, interval: 20 },
  );
  await settle(100);
  return certificate;
}

/** Waits until `check` passes, in real time. */
export function eventually<T>(check: () => Promise<T> | T, timeout = 15_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 20 });
}

/** Lets pending work (Store notifications, reconciles, crypto) run for `ms` of real time. */
export function settle(ms = 200): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Secret and its parsed leaf. */
export async function secretOf(
  engine: Engine,
  name: string,
): Promise<{ secret: Secret; leaf: CertificateInfo }> {
  const secret = await engine.get('Secret', name);
  if (secret === undefined) throw new Error(`Secret ${name} does not exist`);
  const leafPem = splitPemChain(secret.data?.['tls.crt'] ?? '')[0];
  if (leafPem === undefined) throw new Error(`Secret ${name} has no certificate`);
  return { secret, leaf: parseCertificate(leafPem) };
}

/** A Secret as the user would apply it: without the fields the Store keeps. */
export function asManifest(secret: Secret): Secret {
  const {
    resourceVersion: _v,
    uid: _u,
    creationTimestamp: _c,
    generation: _g,
    ...metadata
  } = secret.metadata;
  return { ...structuredClone(secret), metadata: structuredClone(metadata) };
}
