// The two ends of a benchmark worker: the parent forks one process per measured run, so that the
// process's CPU time and peak RSS belong to that run alone; the worker gets its config over IPC
// and sends back one result.
import { fork } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import process from 'node:process';

/**
 * Runs `file` in a fresh Node process with `config` and resolves with what it reports.
 * With `profileDir`, the worker runs under `--cpu-prof` and writes its profile there.
 */
export function runWorker(file, config, { profileDir, execArgv = [] } = {}) {
  const args = [...execArgv];
  if (profileDir !== undefined) args.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  return new Promise((resolve, reject) => {
    const child = fork(file, [], {
      execArgv: args,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let answer;
    child.on('message', (message) => {
      answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer?.ok === true) resolve(answer.result);
      else if (answer?.ok === false) reject(new Error(`${file} failed: ${answer.error}`));
      else reject(new Error(`${file} exited with ${signal ?? `code ${code}`} and no result`));
    });
    child.send(config);
  });
}

/** The worker side: waits for the config, runs `main`, sends its result, and exits. */
export function serveWorker(main) {
  process.once('message', (config) => {
    main(config).then(
      (result) => process.send({ ok: true, result }, () => process.exit(0)),
      (err) =>
        process.send({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () =>
          process.exit(1),
        ),
    );
  });
}

/** Prints one progress line on stderr (stdout is kept for the final table). */
export function progress(line) {
  process.stderr.write(`  ${line}\n`);
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight, starting the next as soon as one
 * settles; resolves with each task's result or `{ error }`, in index order.
 */
export async function pool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(index);
      } catch (err) {
        results[index] = { error: err instanceof Error ? err.message : String(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Samples the RSS every `intervalMs` until `stop()`, which returns the highest sample. */
export function sampleRss(intervalMs = 100) {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** CPU milliseconds (user + system) since `since` (a `process.cpuUsage()` value). */
export function cpuMsSince(since) {
  const { user, system } = process.cpuUsage(since);
  return { userMs: user / 1000, systemMs: system / 1000, totalMs: (user + system) / 1000 };
}

/**
 * Counts the HTTP(S) requests this process sends and the distinct sockets they use (a new socket
 * is a new TCP connection and, for HTTPS, a new TLS handshake). `reset()` starts a new count.
 */
export function countHttpClientTraffic() {
  // Sockets seen before a reset stay known: reusing a kept-alive one is not a new connection.
  const seen = new WeakSet();
  const counts = { requests: 0, connections: 0 };
  diagnosticsChannel.subscribe('http.client.request.start', ({ request }) => {
    counts.requests += 1;
    const count = (socket) => {
      if (seen.has(socket)) return;
      seen.add(socket);
      counts.connections += 1;
    };
    // The request may already have its socket when the channel reports it.
    if (request.socket) count(request.socket);
    else request.once('socket', count);
  });
  return {
    reset() {
      counts.requests = 0;
      counts.connections = 0;
    },
    read: () => ({ ...counts }),
  };
}
