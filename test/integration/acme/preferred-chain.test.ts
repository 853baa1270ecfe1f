import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcmeClientPort, type AcmeClient } from '../../../src/acme/index.js';
import { startPebble, type PebbleServer } from '../../../src/testing/pebble.js';
import {
  issueWithDns01,
  newAccountKeyPem,
  opensslVerify,
  step,
  tempDir,
  uniqueName,
} from './steps.js';

let pebble: PebbleServer;
let dir: string;
let client: AcmeClient;

/** Root `index` of Pebble's management API (`/roots/<index>`). */
function root(index: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        `${pebble.managementUrl}/roots/${index}`,
        { ca: pebble.caBundlePem, agent: false },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(body))));
        },
      )
      .on('error', reject);
  });
}

function commonName(pem: string): string {
  const cn = new X509Certificate(pem).subject.split('\n').find((line) => line.startsWith('CN='));
  if (cn === undefined) throw new Error('root without CN');
  return cn.slice(3);
}

beforeAll(async () => {
  // One alternate chain per certificate, up to a second root.
  pebble = await startPebble({ env: { PEBBLE_ALTERNATE_ROOTS: '1' } });
  dir = await tempDir();
  client = createAcmeClientPort().client({
    directoryUrl: pebble.directoryUrl,
    accountKeyPem: newAccountKeyPem(),
    caBundlePem: pebble.caBundlePem,
  });
  await step(() => client.registerAccount());
});

afterAll(async () => {
  await pebble?.stop();
  if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
});

describe('downloadCertificate with preferredChain', () => {
  it('picks the chain whose topmost certificate the named issuer signed, else the default', async () => {
    const [root0, root1] = await Promise.all([root(0), root(1)]);
    const [cn0, cn1] = [commonName(root0), commonName(root1)];
    expect(cn0).not.toBe(cn1);

    const { chain: preferredAlternate, order } = await issueWithDns01(
      client,
      pebble,
      dir,
      uniqueName('alt'),
      cn1,
    );
    await expect(opensslVerify(dir, preferredAlternate, root1)).resolves.toMatch(/: OK/);
    await expect(opensslVerify(dir, preferredAlternate, root0)).rejects.toThrow();

    const certificateUrl = order.certificateUrl as string;
    const preferredDefault = await step(() => client.downloadCertificate(certificateUrl, cn0));
    await expect(opensslVerify(dir, preferredDefault, root0)).resolves.toMatch(/: OK/);

    const unknown = await step(() => client.downloadCertificate(certificateUrl, 'No Such CA'));
    const plain = await step(() => client.downloadCertificate(certificateUrl));
    expect(unknown).toBe(plain);
    await expect(opensslVerify(dir, plain, root0)).resolves.toMatch(/: OK/);
  });
});
