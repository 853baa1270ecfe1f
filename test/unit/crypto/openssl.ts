// Helpers for cross-checking the crypto module against the openssl CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The outcome of one openssl run; a non-zero exit is returned, not thrown. */
export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch directory for openssl's input and output files. */
export interface Workdir {
  dir: string;
  /** The absolute path of `name` (relative names resolve inside the directory). */
  file(name: string): string;
  write(name: string, content: string | Uint8Array): Promise<string>;
  read(name: string): Promise<string>;
  readBytes(name: string): Promise<Uint8Array>;
  /** Runs `openssl args...` with the directory as cwd. */
  openssl(...args: string[]): Promise<OpensslResult>;
  /** Like {@link Workdir.openssl} but throws on a non-zero exit. */
  opensslOk(...args: string[]): Promise<OpensslResult>;
  remove(): Promise<void>;
}

export async function createWorkdir(): Promise<Workdir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'certflow-'));
  const file = (name: string) => path.resolve(dir, name);
  const openssl = async (...args: string[]): Promise<OpensslResult> => {
    try {
      const { stdout, stderr } = await run('openssl', args, { cwd: dir, maxBuffer: 1 << 24 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failure = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof failure.code === 'number' ? failure.code : 1,
        stdout: failure.stdout ?? '',
        stderr: failure.stderr ?? '',
      };
    }
  };
  return {
    dir,
    file,
    async write(name, content) {
      await writeFile(file(name), content);
      return file(name);
    },
    read: (name) => readFile(file(name), 'utf8'),
    readBytes: async (name) => new Uint8Array(await readFile(file(name))),
    openssl,
    async opensslOk(...args) {
      const result = await openssl(...args);
      if (result.code !== 0) {
        throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      }
      return result;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The DER SubjectPublicKeyInfo of a PEM key or certificate, as openssl sees it. */
export async function opensslSpki(
  work: Workdir,
  kind: 'key' | 'cert',
  pemFile: string,
): Promise<Uint8Array> {
  const out = `${pemFile}.spki.der`;
  if (kind === 'key') {
    await work.opensslOk('pkey', '-in', pemFile, '-pubout', '-outform', 'DER', '-out', out);
  } else {
    await work.opensslOk('x509', '-in', pemFile, '-noout', '-pubkey', '-out', `${out}.pem`);
    await work.opensslOk('pkey', '-pubin', '-in', `${out}.pem`, '-outform', 'DER', '-out', out);
  }
  return work.readBytes(out);
}
