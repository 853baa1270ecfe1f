/**
 * The engine in a child process, for the kill tests: bundled with esbuild, started with a JSON
 * config, run on the file store until the Certificate is Ready and its challenges are cleaned up.
 *
 * With `killAt`, the worker stops dead at that point: it prints a `kill-point` line and blocks
 * its thread, so nothing runs after the step until the parent's SIGKILL lands. Every ACME order it
 * creates is printed, so the parent can count orders across runs.
 */
import { writeSync } from 'node:fs';
import { createAcmeClientPort, type AcmeClient, type AcmePort } from '../../src/acme/index.js';
import { createEngine } from '../../src/engine/engine.js';
import type { Challenge } from '../../src/domain/types.js';
import type { Solver } from '../../src/solvers/index.js';
import { createFileStore } from '../../src/stores/file.js';
import type { Store } from '../../src/stores/types.js';
import { createChallTestSrvDns01Solver } from '../../src/testing/challtestsrv-solver.js';
import type { KillPoint, WorkerConfig, WorkerLine } from './kill-harness.js';
import { createTokenDirectorySolver } from './token-directory.js';

function say(line: WorkerLine): void {
  // Synchronous: the line must be out before the thread blocks or the process dies.
  writeSync(1, `${JSON.stringify(line)}\n`);
}

function main(config: WorkerConfig): Promise<void> {
  const freeze = (label: KillPoint): void => {
    if (config.killAt !== label) return;
    say({ type: 'kill-point', label });
    // Block the whole thread: no timer, callback or write of this process runs any more.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
    say({ type: 'failed', error: `not killed at ${label}` });
    process.exit(3);
  };
  const after =
    <A extends unknown[], R>(label: KillPoint, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await call(...args);
      freeze(label);
      return result;
    };

  const inner = createAcmeClientPort();
  const acmePort: AcmePort = {
    client(options) {
      const c = inner.client(options);
      const client: AcmeClient = {
        registerAccount: after('account-registered', () => c.registerAccount()),
        createOrder: async (identifiers, opts) => {
          const order = await c.createOrder(identifiers, opts);
          say({ type: 'order-created', url: order.url });
          freeze('order-created');
          return order;
        },
        getOrder: (url) => c.getOrder(url),
        getAuthorization: (url) => c.getAuthorization(url),
        getChallenge: (url) => c.getChallenge(url),
        keyAuthorization: (token) => c.keyAuthorization(token),
        dns01Value: (token) => c.dns01Value(token),
        acceptChallenge: after('accepted', (url: string) => c.acceptChallenge(url)),
        finalizeOrder: after('order-finalized', (f: string, o: string, csr: Uint8Array) =>
          c.finalizeOrder(f, o, csr),
        ),
        downloadCertificate: after('certificate-downloaded', (url: string, chain?: string) =>
          c.downloadCertificate(url, chain),
        ),
      };
      return client;
    },
  };

  const presentFreezes = (solver: Solver): Solver => ({
    ...solver,
    present: after('presented', (challenge: Challenge, ctx: Parameters<Solver['present']>[1]) =>
      solver.present(challenge, ctx),
    ),
  });

  const manage = async (endpoint: string, body: object): Promise<void> => {
    const res = await fetch(`${config.challtestsrv.managementUrl}/${endpoint}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`challtestsrv ${endpoint} answered ${res.status}`);
  };
  const fqdn = (host: string): string => (host.endsWith('.') ? host : `${host}.`);
  const dns01 = createChallTestSrvDns01Solver({
    dnsAddress: config.challtestsrv.dnsAddress,
    dnsPort: Number(config.challtestsrv.dnsAddress.split(':')[1]),
    managementUrl: config.challtestsrv.managementUrl,
    setTxt: (host, value) => manage('set-txt', { host: fqdn(host), value }),
    clearTxt: (host) => manage('clear-txt', { host: fqdn(host) }),
    stop: async () => undefined,
  });

  const files = createFileStore({ directory: config.storeDirectory });
  const secretKey = `resources/Secret/default/${config.certificate}-tls`;
  const store: Store = {
    get: (key) => files.get(key),
    list: (prefix) => files.list(prefix),
    delete: (key, options) => files.delete(key, options),
    watch: (prefix, listener) => files.watch!(prefix, listener),
    async put(key, value, options) {
      const version = await files.put(key, value, options);
      if (key === secretKey && (value as { type?: string }).type === 'kubernetes.io/tls') {
        freeze('secret-written');
      }
      return version;
    },
  };

  const engine = createEngine({
    store,
    acmePort,
    solvers: {
      http01: presentFreezes(createTokenDirectorySolver(config.tokenDirectory)),
      challtestsrv: presentFreezes(dns01),
    },
    challengePolicy: {
      selfCheckIntervalMs: 500,
      pollIntervalMs: 250,
      backoffBaseMs: 200,
      backoffMaxMs: 2_000,
    },
    retry: { baseMs: 100, maxMs: 2_000 },
  });
  engine.on('challenge:transition', ({ challenge, from, to }) => {
    say({ type: 'challenge', name: challenge.metadata.name, from, to });
    if (to === 'Scheduled') freeze('challenge-scheduled');
    if (to === 'SelfCheck') freeze('self-check');
  });

  return (async () => {
    await engine.apply(config.manifests);
    await engine.start();
    await engine.waitFor('Certificate', config.certificate, 'Ready', { timeoutMs: 60_000 });
    say({ type: 'ready' });
    // Ready can come before the last clean-up of a challenge: let it finish before stopping.
    let cleanedUp = false;
    for (let i = 0; i < 150 && !cleanedUp; i++) {
      const challenges = await engine.list('Challenge');
      cleanedUp = challenges.every(
        (c) => c.status?.cleanedUp === true && c.status.presented !== true,
      );
      if (!cleanedUp) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await engine.stop();
    say({ type: 'done', cleanedUp });
  })();
}

// The engine's timers are unref'd: this keeps the process up while it waits on them.
const keepAlive = setInterval(() => undefined, 60_000);
main(JSON.parse(process.argv[2] ?? '{}') as WorkerConfig).then(
  () => {
    clearInterval(keepAlive);
    process.exit(0);
  },
  (err: unknown) => {
    say({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(2);
  },
);
