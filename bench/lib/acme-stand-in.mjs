// An in-process stand-in for an ACME server, behind certflow's ACME port: every call answers at
// once, every challenge is valid as soon as it is accepted, and finalize issues at once (a
// template certificate with the CSR's key spliced in, see der-splice.mjs). It measures what
// certflow itself costs per certificate, with no network and no CA in the way.
import { createPrivateKey } from 'node:crypto';
import { certificatePem, csrPublicPoint, spliceCertificate } from './der-splice.mjs';

const BASE = 'https://acme.stand-in.invalid';

/**
 * Creates the port. `templates` maps a sorted, comma-joined identifier list to a template from
 * `certificateTemplate()`; `caKeyPem`/`caPem` are the CA that signed them.
 */
export function createAcmeStandIn({ templates, caKeyPem, caPem }) {
  const caKey = createPrivateKey(caKeyPem);
  const orders = new Map();
  const authorizations = new Map();
  const challenges = new Map();
  const certificates = new Map();
  const stats = { orders: 0, issued: 0, calls: 0 };
  let nextId = 0;

  const challengeSnapshot = (c) => ({
    url: c.url,
    type: 'http-01',
    status: c.valid ? 'valid' : 'pending',
    token: c.token,
  });
  const authorizationSnapshot = (a) => ({
    url: a.url,
    status: a.challenge.valid ? 'valid' : 'pending',
    identifier: { type: 'dns', value: a.name },
    wildcard: false,
    challenges: [challengeSnapshot(a.challenge)],
  });
  const orderSnapshot = (o) => {
    const ready = o.authorizations.every((a) => a.challenge.valid);
    return {
      url: o.url,
      status: o.certificateUrl !== undefined ? 'valid' : ready ? 'ready' : 'pending',
      authorizations: o.authorizations.map((a) => a.url),
      finalizeUrl: `${o.url}/finalize`,
      ...(o.certificateUrl === undefined ? {} : { certificateUrl: o.certificateUrl }),
    };
  };
  const find = (map, url, what) => {
    const found = map.get(url);
    if (found === undefined) throw new Error(`stand-in: no ${what} at ${url}`);
    return found;
  };

  const client = {
    async registerAccount() {
      stats.calls += 1;
      return { accountUrl: `${BASE}/account/1` };
    },
    async createOrder(identifiers) {
      stats.calls += 1;
      stats.orders += 1;
      const id = (nextId += 1);
      const url = `${BASE}/order/${id}`;
      const names = identifiers.map((i) => i.value);
      const order = { url, names, authorizations: [], certificateUrl: undefined };
      names.forEach((name, j) => {
        const challenge = { url: `${BASE}/chall/${id}-${j}`, token: `t${id}x${j}`, valid: false };
        const authz = { url: `${BASE}/authz/${id}-${j}`, name, challenge };
        challenges.set(challenge.url, challenge);
        authorizations.set(authz.url, authz);
        order.authorizations.push(authz);
      });
      orders.set(url, order);
      return orderSnapshot(order);
    },
    async getOrder(url) {
      stats.calls += 1;
      return orderSnapshot(find(orders, url, 'order'));
    },
    async getAuthorization(url) {
      stats.calls += 1;
      return authorizationSnapshot(find(authorizations, url, 'authorization'));
    },
    async getChallenge(url) {
      stats.calls += 1;
      return challengeSnapshot(find(challenges, url, 'challenge'));
    },
    async keyAuthorization(token) {
      return `${token}.stand-in-thumbprint`;
    },
    async dns01Value(token) {
      return `${token}-dns`;
    },
    async acceptChallenge(url) {
      stats.calls += 1;
      const challenge = find(challenges, url, 'challenge');
      challenge.valid = true;
      return challengeSnapshot(challenge);
    },
    async finalizeOrder(_finalizeUrl, orderUrl, csrDer) {
      stats.calls += 1;
      const order = find(orders, orderUrl, 'order');
      if (order.certificateUrl === undefined) {
        const template = templates.get([...order.names].sort().join(','));
        if (template === undefined) throw new Error(`stand-in: no template for ${order.names}`);
        const leaf = spliceCertificate(template, csrPublicPoint(csrDer), caKey);
        order.certificateUrl = `${order.url}/certificate`;
        certificates.set(order.certificateUrl, certificatePem(leaf) + caPem);
        stats.issued += 1;
      }
      return orderSnapshot(order);
    },
    async downloadCertificate(url) {
      stats.calls += 1;
      return find(certificates, url, 'certificate');
    },
  };
  return { port: { client: () => client }, stats };
}

/** A solver that presents and cleans up nothing: the stand-in never looks. */
export const noopHttp01Solver = {
  types: ['HTTP-01'],
  async present() {},
  async cleanUp() {},
};
