/**
 * The parent side of the kill tests: bundles the engine worker, runs it on a file store, SIGKILLs
 * it at a kill point, restarts it on the same store and reports what it left behind.
 */
import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createEngine } from '../../src/engine/engine.js';
import type { Certificate, Challenge, Secret } from '../../src/domain/types.js';
import { createFileStore } from '../../src/stores/file.js';
import { startPebble, type PebbleServer } from '../../src/testing/pebble.js';
import { publishedTokens, serveTokenDirectory } from './token-directory.js';

/** Where the worker stops dead, in the order issuance meets them. */
export type KillPoint =
  | 'account-registered'
  | 'order-created'
  | 'challenge-scheduled'
  | 'presented'
  | 'self-check'
  | 'accepted'
  | 'order-finalized'
  | 'certificate-downloaded'
  | 'secret-written';

/** The worker's configuration (its first argument, as JSON). */
export interface WorkerConfig {
  storeDirectory: string;
  tokenDirectory: string;
  challtestsrv: { dnsAddress: string; managementUrl: string };
  manifests: object[];
  /** The Certificate to wait for, in namespace `default`. */
  certificate: string;
  killAt?: KillPoint;
}

/** One line of the worker's output. */
export type WorkerLine =
  | { type: 'kill-point'; label: KillPoint }
  | { type: 'order-created'; url: string }
  | { type: 'challenge'; name: string; from: string; to: string }
  | { type: 'ready' }
  | { type: 'done'; cleanedUp: boolean }
  | { type: 'failed'; error: string };

/** How one worker run ended. */
export interface WorkerRun {
  lines: WorkerLine[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** What is left where solvers publish. */
export interface Leftovers {
  /** Token files the HTTP-01 solver still publishes. */
  tokens: string[];
  /** TXT values challtestsrv still holds for the names. */
  txt: string[];
}

/** What a kill and a restart ended with. */
export interface KillOutcome {
  first: WorkerRun;
  second: WorkerRun;
  /** Left published right after the kill. */
  afterKill: Leftovers;
  /** Left published once the restarted engine was done. */
  afterRestart: Leftovers;
  /** Token paths answered 200 by the token server after the restart. */
  servedAfterRestart: string[];
  /** ACME orders created, over both runs. */
  ordersCreated: number;
  certificate: Certificate | undefined;
  secret: Secret | undefined;
  challenges: Challenge[];
}

/** Pebble, the token server in this process, and the bundled worker. */
export interface KillEnvironment {
  pebble: PebbleServer;
  /** Kills at `point`, restarts on the same store and reports. */
  killAndRestart(point: KillPoint): Promise<KillOutcome>;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** A run that takes longer is killed: two of them must fit in a test's 60 s. */
const RUN_TIMEOUT_MS = 25_000;

/** Starts Pebble, a token server on its HTTP-01 port, and bundles the worker. */
export async function startKillEnvironment(): Promise<KillEnvironment> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  const tokenDirectory = path.join(work, 'tokens');
  await mkdir(tokenDirectory);
  const worker = path.join(work, 'engine-worker.mjs');
  await build({
    entryPoints: [path.join(here, 'engine-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: worker,
    logLevel: 'silent',
    // acme-client is CommonJS and requires Node built-ins.
    banner: {
      js: "import { createRequire as __certflowRequire } from 'node:module'; const require = __certflowRequire(import.meta.url);",
    },
  });
  const pebble = await startPebble();
  const server = await serveTokenDirectory(tokenDirectory, pebble.httpPort);
  const resolver = new Resolver({ timeout: 1_000, tries: 2 });
  resolver.setServers([pebble.challtestsrv.dnsAddress]);

  const run = (config: WorkerConfig): Promise<WorkerRun> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [worker, JSON.stringify(config)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: WorkerLine[] = [];
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      createInterface({ input: child.stdout }).on('line', (text) => {
        let line: WorkerLine;
        try {
          line = JSON.parse(text) as WorkerLine;
        } catch {
          line = { type: 'failed', error: `unexpected output: ${text}` };
        }
        lines.push(line);
        if (line.type === 'kill-point') child.kill('SIGKILL');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
      child.once('error', reject);
      // After `exit`, once the output is read to its end.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ lines, code, signal, stderr });
      });
    });

  const leftovers = async (names: string[]): Promise<Leftovers> => {
    const txt: string[] = [];
    for (const name of names) {
      try {
        txt.push(...(await resolver.resolveTxt(`_acme-challenge.${name}`)).flat());
      } catch {
        // No record: ENODATA / ENOTFOUND.
      }
    }
    return { tokens: await publishedTokens(tokenDirectory), txt };
  };

  const served = async (tokens: string[]): Promise<string[]> => {
    const hits: string[] = [];
    for (const token of tokens) {
      const path = `/.well-known/acme-challenge/${token}`;
      const res = await fetch(`http://127.0.0.1:${pebble.httpPort}${path}`);
      await res.text();
      if (res.status === 200) hits.push(path);
    }
    return hits;
  };

  return {
    pebble,
    async killAndRestart(point) {
      const storeDirectory = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
      try {
        const httpName = `web.${point}.kill.test`;
        const dnsName = `dns.${point}.kill.test`;
        const config: WorkerConfig = {
          storeDirectory,
          tokenDirectory,
          challtestsrv: {
            dnsAddress: pebble.challtestsrv.dnsAddress,
            managementUrl: pebble.challtestsrv.managementUrl,
          },
          certificate: 'site',
          manifests: [
            {
              apiVersion: 'cert-manager.io/v1',
              kind: 'Issuer',
              metadata: { name: 'pebble', namespace: 'default' },
              spec: {
                acme: {
                  server: pebble.directoryUrl,
                  caBundle: pebble.caBundle,
                  privateKeySecretRef: { name: 'pebble-account-key' },
                  solvers: [
                    { http01: {} },
                    {
                      selector: { dnsNames: [dnsName] },
                      dns01: {
                        webhook: { groupName: 'acme.example.test', solverName: 'challtestsrv' },
                      },
                    },
                  ],
                },
              },
            },
            {
              apiVersion: 'cert-manager.io/v1',
              kind: 'Certificate',
              metadata: { name: 'site', namespace: 'default' },
              spec: {
                secretName: 'site-tls',
                issuerRef: { name: 'pebble', kind: 'Issuer' },
                dnsNames: [httpName, dnsName],
                privateKey: { algorithm: 'ECDSA', size: 256 },
              },
            },
          ],
        };
        const first = await run({ ...config, killAt: point });
        const afterKill = await leftovers([dnsName]);
        const second = await run(config);
        const afterRestart = await leftovers([dnsName]);
        const engine = createEngine({ store: createFileStore({ directory: storeDirectory }) });
        const challenges = await engine.list('Challenge');
        return {
          first,
          second,
          afterKill,
          afterRestart,
          servedAfterRestart: await served(challenges.map((c) => c.spec.token)),
          ordersCreated: [...first.lines, ...second.lines].filter((l) => l.type === 'order-created')
            .length,
          certificate: await engine.get('Certificate', 'site'),
          secret: await engine.get('Secret', 'site-tls'),
          challenges,
        };
      } finally {
        await rm(storeDirectory, { recursive: true, force: true });
      }
    },
    async stop() {
      await server.close();
      await pebble.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
