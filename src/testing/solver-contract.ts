/**
 * The Solver contract as an executable, runner-agnostic suite, and a Challenge builder for
 * solver tests.
 *
 * @packageDocumentation
 */

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { ACMEChallengeType, Challenge } from '../domain/types.js';
import { computeDns01Value } from '../solvers/dns01.js';
import type { Solver, SolverContext } from '../solvers/types.js';

/** What a {@link SolverContractFactory} hands the suite: a fresh solver and how to observe it. */
export interface SolverContractSubject {
  /** The solver under test. */
  solver: Solver;
  /**
   * Whether `challenge`'s value is visible now, observed from outside the solver (an HTTP GET,
   * a DNS query). Without it, the suite checks only that calls resolve or reject.
   */
  isPresented?(challenge: Challenge): Promise<boolean>;
  /** Releases what the factory set up; runs after every case. */
  teardown?(): Promise<void>;
}

/** Makes a fresh subject for one case. */
export type SolverContractFactory = () => SolverContractSubject | Promise<SolverContractSubject>;

/** One case of a contract suite: register `run` with any test runner under `name`. */
export interface SolverContractCase {
  /** What the case checks, as a sentence. */
  readonly name: string;
  /** Runs the case; rejects with an assertion error when the solver breaks the contract. */
  run(): Promise<void>;
}

/** Options of {@link createTestChallenge}. */
export interface TestChallengeOptions {
  /** The challenge type. */
  type: ACMEChallengeType;
  /**
   * The name being validated, without `*.`.
   *
   * @defaultValue a random name under `example.test`
   */
  dnsName?: string;
  /**
   * Whether the order asked for `*.<dnsName>`.
   *
   * @defaultValue `false`
   */
  wildcard?: boolean;
  /**
   * The ACME token.
   *
   * @defaultValue 32 random bytes, base64url
   */
  token?: string;
  /**
   * The value to publish.
   *
   * @defaultValue from the token and a random account thumbprint: the key authorization
   * (HTTP-01, TLS-ALPN-01) or its DNS-01 digest
   */
  key?: string;
}

/**
 * Builds a well-formed Challenge resource for solver tests.
 *
 * @example
 * ```ts
 * const challenge = createTestChallenge({ type: 'DNS-01', dnsName: 'www.example.test' });
 * await solver.present(challenge, { signal: new AbortController().signal });
 * ```
 */
export function createTestChallenge(options: TestChallengeOptions): Challenge {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const dnsName = options.dnsName ?? `contract-${randomBytes(4).toString('hex')}.example.test`;
  const keyAuthorization = `${token}.${randomBytes(32).toString('base64url')}`;
  const key =
    options.key ??
    (options.type === 'DNS-01' ? computeDns01Value(keyAuthorization) : keyAuthorization);
  return {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: {
      name: `${dnsName.replace(/[^a-z0-9-]/gi, '-')}-${token.slice(0, 8).toLowerCase()}`,
      namespace: 'default',
    },
    spec: {
      url: `https://acme.example.test/chall/${token}`,
      authorizationURL: `https://acme.example.test/authz/${token}`,
      dnsName,
      ...(options.wildcard === undefined ? {} : { wildcard: options.wildcard }),
      type: options.type,
      token,
      key,
      solver: {},
      issuerRef: { name: 'contract' },
    },
  };
}

const KNOWN_TYPES: readonly ACMEChallengeType[] = ['HTTP-01', 'DNS-01', 'TLS-ALPN-01'];
/** How long an aborted call may take to reject. */
const ABORT_GRACE_MS = 5_000;

function live(): SolverContext {
  return { signal: new AbortController().signal };
}

function aborted(): SolverContext {
  const controller = new AbortController();
  controller.abort(new Error('aborted by the solver contract'));
  return { signal: controller.signal };
}

async function expectPresented(
  subject: SolverContractSubject,
  challenge: Challenge,
  expected: boolean,
  when: string,
): Promise<void> {
  if (subject.isPresented === undefined) return;
  assert.equal(
    await subject.isPresented(challenge),
    expected,
    `${challenge.spec.dnsName} should ${expected ? '' : 'not '}be presented ${when}`,
  );
}

/** How `promise` settles within the grace period; `late` when it does not. */
async function settleWithin(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ABORT_GRACE_MS);
  });
  try {
    return await Promise.race([
      promise.then(
        () => 'resolved' as const,
        () => 'rejected' as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectPromptRejection(promise: Promise<unknown>, what: string): Promise<void> {
  assert.equal(
    await settleWithin(promise),
    'rejected',
    `${what} should reject promptly when its signal is aborted`,
  );
}

/**
 * The Solver contract as cases any test runner can run: each case makes a fresh subject with
 * `factory`, exercises it, and tears it down.
 *
 * @remarks
 * Checks that `types` is non-empty and known, that `present` is idempotent, that `cleanUp`
 * succeeds without `present` and twice, that it removes only its own challenge, and that an
 * aborted signal makes `present`, `wait` and `selfCheck` reject promptly. Challenges are built
 * with {@link createTestChallenge} for the solver's first type, each case on its own name.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 *
 * describe('my solver', () => {
 *   for (const c of solverContract(() => ({ solver: createMySolver() }))) it(c.name, c.run);
 * });
 * ```
 */
export function solverContract(factory: SolverContractFactory): SolverContractCase[] {
  const withSubject =
    (body: (subject: SolverContractSubject, type: ACMEChallengeType) => Promise<void>) =>
    async (): Promise<void> => {
      const subject = await factory();
      try {
        const type = subject.solver.types[0];
        assert.ok(type !== undefined, 'solver.types must not be empty');
        await body(subject, type);
      } finally {
        await subject.teardown?.();
      }
    };

  return [
    {
      name: 'declares the challenge types it solves',
      run: withSubject(async ({ solver }) => {
        assert.ok(solver.types.length > 0, 'types must not be empty');
        for (const type of solver.types) {
          assert.ok(KNOWN_TYPES.includes(type), `unknown challenge type ${String(type)}`);
        }
        assert.equal(new Set(solver.types).size, solver.types.length, 'types has duplicates');
      }),
    },
    {
      name: 'present is idempotent: twice publishes once, one cleanUp removes it',
      run: withSubject(async (subject, type) => {
        const challenge = createTestChallenge({ type });
        await subject.solver.present(challenge, live());
        await subject.solver.present(challenge, live());
        await expectPresented(subject, challenge, true, 'after present twice');
        await subject.solver.cleanUp(challenge, live());
        await expectPresented(subject, challenge, false, 'after one cleanUp');
      }),
    },
    {
      name: 'cleanUp without present succeeds',
      run: withSubject(async (subject, type) => {
        const challenge = createTestChallenge({ type });
        await subject.solver.cleanUp(challenge, live());
        await expectPresented(subject, challenge, false, 'after cleanUp alone');
      }),
    },
    {
      name: 'cleanUp twice succeeds',
      run: withSubject(async (subject, type) => {
        const challenge = createTestChallenge({ type });
        await subject.solver.present(challenge, live());
        await subject.solver.cleanUp(challenge, live());
        await subject.solver.cleanUp(challenge, live());
        await expectPresented(subject, challenge, false, 'after cleanUp twice');
      }),
    },
    {
      name: 'cleanUp removes only its own challenge',
      run: withSubject(async (subject, type) => {
        // Same name, two values: a wildcard and its apex validated at once.
        const apex = createTestChallenge({ type });
        const wildcard = createTestChallenge({ type, dnsName: apex.spec.dnsName, wildcard: true });
        await subject.solver.present(apex, live());
        await subject.solver.present(wildcard, live());
        await subject.solver.cleanUp(apex, live());
        await expectPresented(subject, apex, false, 'after its cleanUp');
        await expectPresented(subject, wildcard, true, "after the other challenge's cleanUp");
        await subject.solver.cleanUp(wildcard, live());
      }),
    },
    {
      name: 'an aborted signal makes present, wait and selfCheck reject',
      run: withSubject(async (subject, type) => {
        const { solver } = subject;
        const challenge = createTestChallenge({ type });
        await expectPromptRejection(solver.present(challenge, aborted()), 'present');
        await expectPresented(subject, challenge, false, 'after an aborted present');
        if (solver.selfCheck !== undefined) {
          await expectPromptRejection(solver.selfCheck(challenge, aborted()), 'selfCheck');
        }
        if (solver.wait !== undefined) {
          await expectPromptRejection(solver.wait(challenge, aborted()), 'wait');
          // Aborted while waiting for a value that never appears. A wait that finishes before
          // the abort had nothing to abort; one that resolves after it ignored the signal.
          const controller = new AbortController();
          let resolvedAfterAbort = false;
          const waiting = solver.wait(challenge, { signal: controller.signal }).then(() => {
            resolvedAfterAbort = controller.signal.aborted;
          });
          setTimeout(() => controller.abort(new Error('aborted mid-wait')), 50);
          const outcome = await settleWithin(waiting);
          assert.notEqual(
            outcome,
            'late',
            'wait should reject promptly when aborted while waiting',
          );
          assert.ok(!resolvedAfterAbort, 'wait resolved after its signal was aborted');
        }
      }),
    },
  ];
}
