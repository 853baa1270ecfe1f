// Builders for the engine tests: an Order and the Challenges it owns, written straight to a Store,
// and a solver that keeps what it publishes in memory and can be held inside present().
import type {
  Challenge,
  ChallengePhase,
  ChallengeStatus,
  Order,
} from '../../../src/domain/types.js';
import type { Solver } from '../../../src/solvers/index.js';
import type { Store } from '../../../src/stores/types.js';

export const ORDER_UID = '0rde7000-0000-4000-8000-000000000001';

/** An Order in `pending`, as the orders controller leaves it while its challenges run. */
export function order(name = 'site-1-abc'): Order {
  return {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Order',
    metadata: { name, namespace: 'default', uid: ORDER_UID, generation: 1 },
    spec: { request: '', issuerRef: { name: 'acme', kind: 'Issuer' }, dnsNames: ['a.test'] },
    status: { state: 'pending', url: 'https://acme.test/order/1' },
  };
}

/** A Challenge of `order()` in `phase`, with the given status fields. */
export function challenge(
  name: string,
  phase: ChallengePhase,
  status: Partial<ChallengeStatus> = {},
  owner: { name: string; uid: string } = { name: 'site-1-abc', uid: ORDER_UID },
): Challenge {
  return {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: {
      name,
      namespace: 'default',
      uid: `${name}-uid`,
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00.000Z',
      ownerReferences: [
        { apiVersion: 'acme.cert-manager.io/v1', kind: 'Order', controller: true, ...owner },
      ],
    },
    spec: {
      url: `https://acme.test/chall/${name}`,
      authorizationURL: `https://acme.test/authz/${name}`,
      dnsName: `${name}.test`,
      type: 'HTTP-01',
      token: `token-${name}`,
      key: `token-${name}.thumbprint`,
      solver: { http01: {} },
      issuerRef: { name: 'acme', kind: 'Issuer' },
    },
    status: {
      phase,
      deadline: '2999-01-01T00:00:00.000Z',
      nextAttemptAt: '2025-01-01T00:00:00.000Z',
      ...status,
    },
  };
}

/** Writes resources to `store` as certflow keeps them. */
export async function seed(store: Store, resources: (Order | Challenge)[]): Promise<void> {
  for (const r of resources) {
    await store.put(`resources/${r.kind}/default/${r.metadata.name}`, r, { ifVersion: null });
  }
}

/** A solver keeping its tokens in a Map, recording calls; `hold()` makes present() wait. */
export interface RecordingSolver extends Solver {
  readonly published: Map<string, string>;
  readonly calls: string[];
  /** The next present() waits until the returned function is called. */
  hold(): { release(): void; entered: Promise<void> };
}

export function recordingSolver(): RecordingSolver {
  const published = new Map<string, string>();
  const calls: string[] = [];
  let gate: { wait: Promise<void>; entered: () => void } | undefined;
  return {
    types: ['HTTP-01'],
    published,
    calls,
    hold() {
      let release!: () => void;
      let entered!: () => void;
      const wait = new Promise<void>((resolve) => (release = resolve));
      const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
      gate = { wait, entered };
      return { release, entered: enteredPromise };
    },
    async present(c) {
      calls.push(`present ${c.metadata.name}`);
      const current = gate;
      gate = undefined;
      if (current !== undefined) {
        current.entered();
        await current.wait;
      }
      published.set(c.spec.token, c.spec.key);
      calls.push(`published ${c.metadata.name}`);
    },
    async cleanUp(c) {
      calls.push(`cleanUp ${c.metadata.name}`);
      if (published.get(c.spec.token) === c.spec.key) published.delete(c.spec.token);
    },
  };
}
