/**
 * Helpers that start Pebble (a test ACME CA) and pebble-challtestsrv (a mock DNS server) for
 * tests, each on loopback with free ports.
 *
 * @remarks
 * Both come from the Debian package `pebble` (`apt-get install -y pebble`). Every port is chosen
 * at start, so parallel test files can each run their own Pebble. Children are stopped by
 * `stop()` and, as a last resort, when the parent process exits.
 *
 * @packageDocumentation
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A running pebble-challtestsrv: a DNS server whose records are set over HTTP. */
export interface ChallTestSrv {
  /** `127.0.0.1:<port>`, answering DNS over UDP and TCP. */
  readonly dnsAddress: string;
  /** The DNS port. */
  readonly dnsPort: number;
  /** `http://127.0.0.1:<port>`: the management API. */
  readonly managementUrl: string;
  /** Publishes a TXT record; `host` may end with a dot or not. Replaces earlier values. */
  setTxt(host: string, value: string): Promise<void>;
  /** Removes every TXT record of `host`; a no-op when there is none. */
  clearTxt(host: string): Promise<void>;
  /** Stops the server and waits until its ports are released. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startPebble}. */
export interface PebbleOptions {
  /**
   * Extra environment for Pebble, such as `PEBBLE_WFE_NONCEREJECT` or `PEBBLE_AUTHZREUSE`.
   *
   * @defaultValue `{ PEBBLE_VA_NOSLEEP: '1' }` (no random validation delay); entries here win.
   */
  env?: Record<string, string>;
  /**
   * A challtestsrv to resolve names through; it is not stopped with Pebble.
   *
   * @defaultValue a new one, started with Pebble and stopped with it
   */
  challtestsrv?: ChallTestSrv;
  /**
   * The port Pebble connects to for HTTP-01 validation.
   *
   * @defaultValue a free port
   */
  httpPort?: number;
  /**
   * The port Pebble connects to for TLS-ALPN-01 validation.
   *
   * @defaultValue a free port
   */
  tlsPort?: number;
  /**
   * The Pebble executable.
   *
   * @defaultValue the `PEBBLE_BIN` environment variable, else `pebble` on the `PATH`
   */
  pebbleBinary?: string;
}

/** A running Pebble. */
export interface PebbleServer {
  /** `https://127.0.0.1:<port>/dir`: the ACME directory. */
  readonly directoryUrl: string;
  /** PEM of Pebble's listener certificate: what an ACME client must trust. */
  readonly caBundlePem: string;
  /** Base64 of {@link PebbleServer.caBundlePem}, for an Issuer's `spec.acme.caBundle`. */
  readonly caBundle: string;
  /** Pebble validates HTTP-01 at `http://<name>:<httpPort>/.well-known/acme-challenge/...`. */
  readonly httpPort: number;
  /** Pebble validates TLS-ALPN-01 at `<name>:<tlsPort>`. */
  readonly tlsPort: number;
  /** `https://127.0.0.1:<port>`: Pebble's management API (trust {@link PebbleServer.caBundlePem}). */
  readonly managementUrl: string;
  /** The challtestsrv Pebble resolves names through. */
  readonly challtestsrv: ChallTestSrv;
  /** PEM of the root that issued certificates chain to (`/roots/0`). */
  rootCertificatePem(): Promise<string>;
  /** PEM of the intermediate that signs issued certificates (`/intermediates/0`). */
  intermediateCertificatePem(): Promise<string>;
  /** Stops Pebble (and the challtestsrv it started) and removes its temp files. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
const START_ATTEMPTS = 5;
const OUTPUT_TAIL_CHARS = 4_000;
const BIND_RACE = /address already in use/i;
const INSTALL_HINT = 'install it with `apt-get install -y pebble` (Debian package pebble)';

/**
 * Finds a port on 127.0.0.1 that is free for both TCP and UDP right now.
 *
 * @remarks
 * Binds port 0, reads the port the kernel chose and closes again, so another process can take
 * it before the caller binds it: callers retry on "address already in use". UDP is checked too
 * because a DNS server needs both.
 *
 * @example
 * ```ts
 * const port = await findFreePort();
 * ```
 */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindTcp(0);
    if (await canBindUdp(port)) return port;
  }
  throw new Error('no port on 127.0.0.1 is free for both TCP and UDP');
}

function bindTcp(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const chosen = (server.address() as AddressInfo).port;
      server.close(() => resolve(chosen));
    });
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

/** Every child still running, killed if the parent exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner that dies mid-test must not leave Pebbles behind holding ports.
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

interface Managed {
  readonly label: string;
  /** The last few kilobytes of stdout and stderr together. */
  output(): string;
  /** Why the process is not running, or undefined while it runs. */
  failure(): string | undefined;
  /** Whether it failed because the executable was not found. */
  missingBinary(): boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

function spawnManaged(
  label: string,
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Managed {
  installExitHook();
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let tail = '';
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let failure: string | undefined;
  let notFound = false;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      notFound = err.code === 'ENOENT';
      failure ??= `could not start ${binary}: ${err.message}`;
      liveChildren.delete(child);
      resolve();
    });
    child.once('exit', (code, signal) => {
      failure ??= `exited with ${signal ?? `code ${String(code)}`}`;
      liveChildren.delete(child);
      resolve();
    });
  });

  return {
    label,
    output: () => tail,
    failure: () => failure,
    missingBinary: () => notFound,
    async stop() {
      if (failure === undefined) {
        failure = 'stopped';
        child.kill('SIGTERM');
        const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(grace);
      }
      await exited;
    },
  };
}

/** A start attempt that failed because a port was taken between choosing and binding it. */
class PortRaceError extends Error {}

/**
 * Polls `probe` until it returns true. Fails early when the process dies, and at the deadline
 * with the process's output tail so a broken start explains itself.
 */
async function waitReady(
  proc: Managed,
  probe: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = AbortSignal.timeout(READY_TIMEOUT_MS);
  for (;;) {
    // challtestsrv logs a failed DNS bind and keeps running, so look at the output too.
    if (BIND_RACE.test(proc.output())) {
      await proc.stop();
      throw new PortRaceError(`${proc.label} lost a port race:\n${proc.output()}`);
    }
    const failure = proc.failure();
    if (failure !== undefined) {
      if (proc.missingBinary()) {
        throw new Error(`${proc.label} was not found: ${INSTALL_HINT}`);
      }
      throw new Error(
        `${proc.label} ${failure} before ${what} was ready; output:\n${proc.output()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (deadline.aborted) {
      await proc.stop();
      throw new Error(
        `${proc.label}: ${what} not ready after ${READY_TIMEOUT_MS} ms; output:\n${proc.output()}`,
      );
    }
    await delay(50);
  }
}

/** Runs `start` again with fresh ports when it lost a port race. */
async function withPortRetry<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP(S) helpers
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: string;
}

function request(
  url: string,
  options: { method?: string; body?: string; ca?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: options.method ?? 'GET',
        // No pooling: a kept-alive socket would outlive the server in tests that stop it.
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        headers:
          options.body === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(options.body),
              },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${req.method} ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

// ---------------------------------------------------------------------------------------------
// challtestsrv
// ---------------------------------------------------------------------------------------------

/**
 * Starts pebble-challtestsrv with only its DNS server and management API, on free ports.
 *
 * @remarks
 * It answers every A query with 127.0.0.1 and, unlike its default, no AAAA records: Pebble would
 * try `::1` first and miss an HTTP-01 responder that listens on 127.0.0.1 only.
 *
 * @param options - `binary`: the executable; default the `PEBBLE_CHALLTESTSRV_BIN` environment
 * variable, else `pebble-challtestsrv` on the `PATH`.
 *
 * @example
 * ```ts
 * const srv = await startChallTestSrv();
 * await srv.setTxt('_acme-challenge.example.test', 'value');
 * await srv.stop();
 * ```
 */
export async function startChallTestSrv(options: { binary?: string } = {}): Promise<ChallTestSrv> {
  const binary = options.binary ?? process.env['PEBBLE_CHALLTESTSRV_BIN'] ?? 'pebble-challtestsrv';
  return withPortRetry(async () => {
    const dnsPort = await findFreePort();
    const managementPort = await findFreePort();
    const dnsAddress = `127.0.0.1:${dnsPort}`;
    const managementUrl = `http://127.0.0.1:${managementPort}`;
    const proc = spawnManaged(
      'pebble-challtestsrv',
      binary,
      [
        '-defaultIPv6',
        '',
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-dns01',
        dnsAddress,
        '-management',
        `127.0.0.1:${managementPort}`,
      ],
      process.env,
    );
    const resolver = new Resolver({ timeout: 250, tries: 1 });
    resolver.setServers([dnsAddress]);
    try {
      // Any HTTP answer means the management API listens; an A answer means DNS does.
      await waitReady(proc, async () => (await request(managementUrl)).status > 0, 'management');
      await waitReady(
        proc,
        async () => (await resolver.resolve4('ready.certflow.test')).length > 0,
        'DNS',
      );
    } catch (err) {
      await proc.stop();
      throw err;
    }

    const manage = async (endpoint: string, body: Record<string, string>): Promise<void> => {
      const reply = await request(`${managementUrl}/${endpoint}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      if (reply.status !== 200) {
        throw new Error(`challtestsrv ${endpoint} answered ${reply.status}: ${reply.body}`);
      }
    };
    const fqdn = (host: string): string => (host.endsWith('.') ? host : `${host}.`);

    return {
      dnsAddress,
      dnsPort,
      managementUrl,
      setTxt: (host, value) => manage('set-txt', { host: fqdn(host), value }),
      clearTxt: (host) => manage('clear-txt', { host: fqdn(host) }),
      stop: () => proc.stop(),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Pebble
// ---------------------------------------------------------------------------------------------

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new Error(`${binary} failed: ${err.message}\n${stderr}`));
    });
  });
}

/**
 * Starts Pebble on free loopback ports with a fresh listener certificate, resolving names
 * through a challtestsrv, and waits until its directory answers.
 *
 * @remarks
 * `PEBBLE_VA_NOSLEEP=1` is set unless `options.env` overrides it; Pebble's other defaults (5%
 * nonce rejection, 50% authorization reuse) are kept so clients meet them. Pebble keeps nothing
 * between runs. Throws an Error naming the install command when the binary is missing.
 *
 * @example
 * ```ts
 * const pebble = await startPebble();
 * const issuer = { spec: { acme: { server: pebble.directoryUrl, caBundle: pebble.caBundle } } };
 * // ...
 * await pebble.stop();
 * ```
 */
export async function startPebble(options: PebbleOptions = {}): Promise<PebbleServer> {
  const binary = options.pebbleBinary ?? process.env['PEBBLE_BIN'] ?? 'pebble';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'certflow-pebble-'));
  let ownChalltestsrv: ChallTestSrv | undefined;
  try {
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]).catch((err: unknown) => {
      throw new Error('could not make Pebble a listener certificate with the openssl CLI', {
        cause: err,
      });
    });
    const caBundlePem = await readFile(certFile, 'utf8');

    const challtestsrv = options.challtestsrv ?? (ownChalltestsrv = await startChallTestSrv());
    const httpPort = options.httpPort ?? (await findFreePort());
    const tlsPort = options.tlsPort ?? (await findFreePort());
    const env: NodeJS.ProcessEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1', ...options.env };

    const started = await withPortRetry(async () => {
      const acmePort = await findFreePort();
      const managementPort = await findFreePort();
      const configFile = path.join(dir, 'pebble.json');
      await writeFile(
        configFile,
        JSON.stringify({
          pebble: {
            listenAddress: `127.0.0.1:${acmePort}`,
            managementListenAddress: `127.0.0.1:${managementPort}`,
            certificate: certFile,
            privateKey: keyFile,
            httpPort,
            tlsPort,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        }),
      );
      const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
      const proc = spawnManaged(
        'pebble',
        binary,
        ['-config', configFile, '-dnsserver', challtestsrv.dnsAddress],
        env,
      );
      try {
        await waitReady(
          proc,
          async () => (await request(directoryUrl, { ca: caBundlePem })).status === 200,
          'the ACME directory',
        );
      } catch (err) {
        await proc.stop();
        throw err;
      }
      return { proc, directoryUrl, managementUrl: `https://127.0.0.1:${managementPort}` };
    });

    const { proc, directoryUrl, managementUrl } = started;
    const fetchPem = async (endpoint: string): Promise<string> => {
      const reply = await request(`${managementUrl}/${endpoint}`, { ca: caBundlePem });
      if (reply.status !== 200) {
        throw new Error(`Pebble ${endpoint} answered ${reply.status}: ${reply.body}`);
      }
      return reply.body;
    };
    let stopping: Promise<void> | undefined;
    const owned = ownChalltestsrv;
    return {
      directoryUrl,
      caBundlePem,
      caBundle: Buffer.from(caBundlePem, 'utf8').toString('base64'),
      httpPort,
      tlsPort,
      managementUrl,
      challtestsrv,
      rootCertificatePem: () => fetchPem('roots/0'),
      intermediateCertificatePem: () => fetchPem('intermediates/0'),
      stop() {
        stopping ??= (async () => {
          await proc.stop();
          await owned?.stop();
          await rm(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  } catch (err) {
    await ownChalltestsrv?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
