import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import * as https from 'node:https';
import { createServer } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startChallTestSrv, startPebble } from '../../../src/testing/pebble.js';

function getJson(url: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          }),
        );
      })
      .on('error', reject);
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () =>
      socket.close(() => resolve(true)),
    );
  });
}

const portOf = (url: string): number => Number(new URL(url).port);

async function txt(dnsAddress: string, name: string): Promise<string[] | string> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dnsAddress]);
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'error';
  }
}

describe('the Pebble test harness', () => {
  it('starts Pebble and challtestsrv, serves DNS and the CA chain, and releases its ports on stop', async () => {
    const pebble = await startPebble();
    const srv = pebble.challtestsrv;
    const tcpPorts = [
      portOf(pebble.directoryUrl),
      portOf(pebble.managementUrl),
      portOf(srv.managementUrl),
      srv.dnsPort,
    ];
    try {
      expect(pebble.directoryUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dir$/);
      expect(srv.dnsAddress).toBe(`127.0.0.1:${srv.dnsPort}`);
      expect(Buffer.from(pebble.caBundle, 'base64').toString('utf8')).toBe(pebble.caBundlePem);
      expect(new X509Certificate(pebble.caBundlePem).checkIP('127.0.0.1')).toBe('127.0.0.1');

      const dir = await getJson(pebble.directoryUrl, pebble.caBundlePem);
      expect(dir.status).toBe(200);
      expect(dir.body).toMatchObject({
        newAccount: expect.stringContaining('https://127.0.0.1:'),
        newNonce: expect.any(String),
        newOrder: expect.any(String),
      });

      const name = '_acme-challenge.harness.example.test';
      await srv.setTxt(name, 'first');
      expect(await txt(srv.dnsAddress, name)).toEqual(['first']);
      // With a trailing dot, the same record.
      await srv.setTxt(`${name}.`, 'second');
      expect(await txt(srv.dnsAddress, name)).toContain('second');
      await srv.clearTxt(name);
      expect(await txt(srv.dnsAddress, name)).not.toEqual(expect.arrayContaining(['second']));

      const root = new X509Certificate(await pebble.rootCertificatePem());
      const intermediate = new X509Certificate(await pebble.intermediateCertificatePem());
      expect(root.ca).toBe(true);
      expect(intermediate.checkIssued(root)).toBe(true);
      expect(intermediate.verify(root.publicKey)).toBe(true);
    } finally {
      await pebble.stop();
    }
    // Idempotent.
    await pebble.stop();

    for (const port of tcpPorts) expect(await tcpFree(port), `TCP ${port}`).toBe(true);
    expect(await udpFree(srv.dnsPort), `UDP ${srv.dnsPort}`).toBe(true);
  });

  it('reuses a given challtestsrv and leaves it running when Pebble stops', async () => {
    const srv = await startChallTestSrv();
    try {
      const pebble = await startPebble({ challtestsrv: srv, httpPort: 5402, tlsPort: 5401 });
      expect(pebble.challtestsrv).toBe(srv);
      expect([pebble.httpPort, pebble.tlsPort]).toEqual([5402, 5401]);
      await pebble.stop();
      await srv.setTxt('still.example.test', 'up');
      expect(await txt(srv.dnsAddress, 'still.example.test')).toEqual(['up']);
    } finally {
      await srv.stop();
    }
  });

  it('names the install command when the binary is missing', async () => {
    await expect(startPebble({ pebbleBinary: 'certflow-no-such-pebble' })).rejects.toThrow(
      /apt-get install -y pebble/,
    );
    await expect(startChallTestSrv({ binary: 'certflow-no-such-challtestsrv' })).rejects.toThrow(
      /apt-get install -y pebble/,
    );
  });
});
