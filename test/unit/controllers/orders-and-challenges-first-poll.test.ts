// The first look after an accept (at the authorization) and after a finalize (at the order) comes
// after the short firstPollDelayMs, every later one after pollIntervalMs, and never before the
// server's Retry-After. The ACME port is swapped for a scripted stand-in on a fake clock: no ACME
// server can be told to stay `processing` for exactly one look or to send Retry-After (Pebble
// sends none), and what is under test is when the controllers look, not the protocol.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  AcmeAuthorizationSnapshot,
  AcmeChallengeSnapshot,
  AcmeClient,
  AcmeOrderSnapshot,
  AcmePort,
} from '../../../src/acme/index.js';
import { pemEncode, signCertificate } from '../../../src/crypto/index.js';
import { createEngine, type Engine } from '../../../src/engine/engine.js';
import type { Solver } from '../../../src/solvers/index.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { caSecret, certificate, hour, settle } from './engine-fixture.js';

const ORDER = 'https://acme.test/order/1';
const AUTHZ = 'https://acme.test/authz/1';
const CHALLENGE = 'https://acme.test/chall/1';
const FINALIZE = 'https://acme.test/order/1/finalize';
const CERT = 'https://acme.test/cert/1';
const TOKEN = 'tok-1';

interface Script {
  /** `Retry-After` on the accept's answer. */
  acceptRetryAfterMs?: number;
  /** `Retry-After` on the finalize's answer. */
  finalizeRetryAfterMs?: number;
}

/**
 * A one-name order whose authorization is valid at the second look after the accept, and which is
 * issued at the second look after the finalize.
 */
class StandInAcme {
  /** Clock times of the looks at the authorization after the accept. */
  readonly authorizationLooks: number[] = [];
  /** Clock times of the looks at the order after the finalize. */
  readonly orderLooks: number[] = [];
  acceptedAt: number | undefined;
  finalizedAt: number | undefined;
  /** Looks at the order before any challenge was accepted. */
  earlyOrderLooks = 0;
  #chain: string | undefined;

  constructor(
    private readonly clock: FakeClock,
    private readonly ca: { key: Awaited<ReturnType<typeof caSecret>>['key']; pem: string },
    private readonly script: Script,
  ) {}

  port(): AcmePort {
    return { client: () => this.client() };
  }

  #authorizationStatus(): 'pending' | 'valid' {
    return this.authorizationLooks.length >= 2 ? 'valid' : 'pending';
  }

  #challenge(): AcmeChallengeSnapshot {
    const status = this.#authorizationStatus();
    return {
      url: CHALLENGE,
      type: 'http-01',
      token: TOKEN,
      status:
        status === 'valid' ? 'valid' : this.acceptedAt === undefined ? 'pending' : 'processing',
    };
  }

  #authorization(): AcmeAuthorizationSnapshot {
    return {
      url: AUTHZ,
      status: this.#authorizationStatus(),
      identifier: { type: 'dns', value: 'web.example.test' },
      wildcard: false,
      challenges: [this.#challenge()],
    };
  }

  #order(): AcmeOrderSnapshot {
    const base = { url: ORDER, authorizations: [AUTHZ], finalizeUrl: FINALIZE };
    if (this.finalizedAt === undefined) {
      return { ...base, status: this.#authorizationStatus() === 'valid' ? 'ready' : 'pending' };
    }
    return this.orderLooks.length >= 2
      ? { ...base, status: 'valid', certificateUrl: CERT }
      : { ...base, status: 'processing' };
  }

  client(): AcmeClient {
    return {
      registerAccount: async () => ({ accountUrl: 'https://acme.test/acct/1' }),
      createOrder: async () => this.#order(),
      getOrder: async () => {
        if (this.acceptedAt === undefined) this.earlyOrderLooks += 1;
        if (this.finalizedAt !== undefined) this.orderLooks.push(this.clock.now());
        return this.#order();
      },
      getAuthorization: async () => {
        if (this.acceptedAt !== undefined) this.authorizationLooks.push(this.clock.now());
        return this.#authorization();
      },
      getChallenge: async () => this.#challenge(),
      keyAuthorization: async (token) => `${token}.thumbprint`,
      dns01Value: async (token) => `${token}-dns`,
      acceptChallenge: async () => {
        this.acceptedAt ??= this.clock.now();
        const accepted = this.#challenge();
        const retryAfterMs = this.script.acceptRetryAfterMs;
        return retryAfterMs === undefined ? accepted : { ...accepted, retryAfterMs };
      },
      finalizeOrder: async (_finalizeUrl, _orderUrl, csrDer) => {
        if (this.finalizedAt === undefined) {
          this.finalizedAt = this.clock.now();
          const now = this.clock.now();
          const leaf = await signCertificate({
            csr: pemEncode('CERTIFICATE REQUEST', csrDer),
            issuerKey: this.ca.key,
            issuerCertificate: this.ca.pem,
            notBefore: new Date(now - hour),
            notAfter: new Date(now + 90 * 24 * hour),
          });
          this.#chain = leaf + this.ca.pem;
        }
        const order = this.#order();
        const retryAfterMs = this.script.finalizeRetryAfterMs;
        return retryAfterMs === undefined ? order : { ...order, retryAfterMs };
      },
      downloadCertificate: async () => {
        if (this.#chain === undefined) throw new Error('downloaded before the finalize');
        return this.#chain;
      },
    };
  }
}

const solver: Solver = {
  types: ['HTTP-01'],
  present: async () => {},
  cleanUp: async () => {},
};

let engine: Engine | undefined;

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

/** An engine on the stand-in with a Certificate applied, once its challenge was accepted. */
async function issuing(script: Script): Promise<{ clock: FakeClock; acme: StandInAcme }> {
  const clock = createFakeClock(Math.floor(Date.now() / 1000) * 1000);
  const ca = await caSecret('ca', {
    notBefore: clock.now() - hour,
    notAfter: clock.now() + 365 * 24 * hour,
  });
  const acme = new StandInAcme(clock, { key: ca.key, pem: ca.certificatePem }, script);
  engine = createEngine({
    store: createMemoryStore(),
    clock,
    acmePort: acme.port(),
    solvers: { http01: solver },
    retry: { baseMs: 100, maxMs: 1_000 },
    challengePolicy: { firstPollDelayMs: 100, pollIntervalMs: 1_000 },
  });
  await engine.apply({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'acme', namespace: 'default' },
    spec: {
      acme: {
        server: 'https://acme.test/directory',
        privateKeySecretRef: { name: 'acme-account' },
        solvers: [{ http01: {} }],
      },
    },
  });
  await engine.apply(certificate('web', 'acme'));
  await engine.start();
  await vi.waitFor(() => expect(acme.acceptedAt).toBeDefined(), { timeout: 15_000, interval: 20 });
  return { clock, acme };
}

/**
 * Moves the clock by `ms`, then lets the work it released run: long enough to see a look that
 * should not have happened.
 */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  await clock.advance(ms);
  await settle(150);
}

/** Waits, in real time, until `check` passes: the look a clock move released has run. */
function eventually(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 15_000, interval: 20 });
}

describe('the first poll after accept and finalize', () => {
  it('takes the authorizations from the new-order answer, without fetching the order again', async () => {
    const { acme } = await issuing({});
    expect(acme.earlyOrderLooks).toBe(0);
  });

  it('looks after firstPollDelayMs, then after pollIntervalMs: at the authorization, at the order', async () => {
    const { clock, acme } = await issuing({});
    const acceptedAt = acme.acceptedAt ?? 0;
    await settle(150);
    expect(acme.authorizationLooks).toEqual([]);
    await advance(clock, 99);
    expect(acme.authorizationLooks).toEqual([]);
    await advance(clock, 1);
    await eventually(() => expect(acme.authorizationLooks).toEqual([acceptedAt + 100]));
    await advance(clock, 999);
    expect(acme.authorizationLooks).toHaveLength(1);
    await advance(clock, 1);
    await eventually(() =>
      expect(acme.authorizationLooks).toEqual([acceptedAt + 100, acceptedAt + 1_100]),
    );

    // The authorization is valid: the order is finalized without waiting for the clock.
    await vi.waitFor(() => expect(acme.finalizedAt).toBeDefined(), { timeout: 15_000 });
    const finalizedAt = acme.finalizedAt ?? 0;
    await settle(150);
    // The finalize answer (processing) was the first look; the reconcile its write causes does not
    // look again.
    expect(acme.orderLooks).toEqual([]);
    await advance(clock, 99);
    expect(acme.orderLooks).toEqual([]);
    await advance(clock, 1);
    await eventually(() => expect(acme.orderLooks).toEqual([finalizedAt + 100]));
    await advance(clock, 999);
    expect(acme.orderLooks).toHaveLength(1);
    await advance(clock, 1);
    await eventually(() =>
      expect(acme.orderLooks).toEqual([finalizedAt + 100, finalizedAt + 1_100]),
    );
    await vi.waitFor(
      async () => {
        const cert = await engine?.get('Certificate', 'web');
        expect(cert?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      },
      { timeout: 15_000, interval: 20 },
    );
  });

  it('waits out a Retry-After longer than the first delay, on the accept and on the finalize', async () => {
    const { clock, acme } = await issuing({
      acceptRetryAfterMs: 2_500,
      finalizeRetryAfterMs: 3_000,
    });
    const acceptedAt = acme.acceptedAt ?? 0;
    await advance(clock, 2_499);
    expect(acme.authorizationLooks).toEqual([]);
    await advance(clock, 1);
    await eventually(() => expect(acme.authorizationLooks).toEqual([acceptedAt + 2_500]));
    await advance(clock, 1_000);
    await eventually(() =>
      expect(acme.authorizationLooks).toEqual([acceptedAt + 2_500, acceptedAt + 3_500]),
    );

    await vi.waitFor(() => expect(acme.finalizedAt).toBeDefined(), { timeout: 15_000 });
    const finalizedAt = acme.finalizedAt ?? 0;
    await advance(clock, 2_999);
    expect(acme.orderLooks).toEqual([]);
    await advance(clock, 1);
    await eventually(() => expect(acme.orderLooks).toEqual([finalizedAt + 3_000]));
  });
});
