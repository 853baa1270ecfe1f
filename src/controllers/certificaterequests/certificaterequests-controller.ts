import { parseCsr } from '../../crypto/index.js';
import { getCondition, setCondition } from '../../domain/conditions.js';
import { parseResourceKey, resourceKey } from '../../domain/keys.js';
import type { CertificateRequest, Condition, Order } from '../../domain/types.js';
import { CertflowError } from '../../errors.js';
import { freezeSnapshot } from '../../events.js';
import {
  errorMessage,
  findIssuer,
  rfc3339,
  shortHash,
  type Controller,
  type ControllerContext,
} from '../context.js';

/** The Order name for a CertificateRequest: unique per request object and CSR. */
export function orderNameFor(request: CertificateRequest): string {
  return `${request.metadata.name}-${shortHash(request.metadata.uid ?? '', request.spec.request)}`;
}

/**
 * The certificaterequests controller: approval (the host's approver, approve-all by default), then
 * the signer of the referenced issuer. The ACME signer creates an Order and mirrors its outcome.
 */
export function createCertificateRequestsController(ctx: ControllerContext): Controller {
  const { resources } = ctx;

  async function update(
    request: CertificateRequest,
    changes: Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>[],
    status: Partial<NonNullable<CertificateRequest['status']>> = {},
  ): Promise<CertificateRequest> {
    const now = new Date(ctx.clock.now());
    let list = request.status?.conditions;
    for (const c of changes) list = setCondition(list, c, now, request.metadata.generation);
    const before = getCondition(request.status?.conditions, 'Ready')?.reason;
    const next = await resources.updateIfChanged(request, {
      ...request,
      status: { ...request.status, ...status, ...(list === undefined ? {} : { conditions: list }) },
    });
    const after = getCondition(next.status?.conditions, 'Ready')?.reason;
    if (after !== undefined && after !== before) {
      ctx.emit('certificaterequest:transition', {
        certificateRequest: freezeSnapshot(next),
        from: before,
        to: after,
      });
    }
    return next;
  }

  async function signAcme(request: CertificateRequest): Promise<number | undefined> {
    const namespace = request.metadata.namespace;
    const name = orderNameFor(request);
    let order = await resources.get('Order', namespace, name);
    if (order === undefined) {
      const csrPem = Buffer.from(request.spec.request, 'base64').toString('utf8');
      const csr = await parseCsr(csrPem);
      const created: Order = {
        apiVersion: 'acme.cert-manager.io/v1',
        kind: 'Order',
        metadata: {
          name,
          ...(namespace === undefined ? {} : { namespace }),
          ...(request.metadata.labels === undefined
            ? {}
            : { labels: { ...request.metadata.labels } }),
          ownerReferences: [
            {
              apiVersion: 'cert-manager.io/v1',
              kind: 'CertificateRequest',
              name: request.metadata.name,
              uid: request.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          request: request.spec.request,
          issuerRef: { ...request.spec.issuerRef },
          ...(csr.subject.commonName === undefined ? {} : { commonName: csr.subject.commonName }),
          dnsNames: csr.dnsNames,
          ...(csr.ipAddresses.length > 0 ? { ipAddresses: csr.ipAddresses } : {}),
          ...(request.spec.duration === undefined ? {} : { duration: request.spec.duration }),
        },
      };
      try {
        order = await resources.create(created);
      } catch (err) {
        if (!CertflowError.is(err, 'ERR_CONFLICT')) throw err;
        return 0;
      }
      await update(request, [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Pending',
          message: `Created Order resource ${namespace ?? ''}/${name}`,
        },
      ]);
      return undefined;
    }
    const state = order.status?.state;
    if (state === 'valid' && order.status?.certificate !== undefined) {
      await update(
        request,
        [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Issued',
            message: 'Certificate fetched from issuer successfully',
          },
        ],
        { certificate: order.status.certificate },
      );
      return undefined;
    }
    if (state === 'invalid' || state === 'errored' || state === 'expired') {
      await update(
        request,
        [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Failed',
            message: `Failed to wait for order resource ${namespace ?? ''}/${name} to become ready: ${order.status?.reason ?? `order is in "${state}" state`}`,
          },
        ],
        { failureTime: rfc3339(ctx.clock.now()) },
      );
      return undefined;
    }
    await update(request, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pending',
        message: `Waiting on certificate issuance from order ${namespace ?? ''}/${name}: "${state ?? ''}"`,
      },
    ]);
    return undefined;
  }

  async function reconcile(key: string): Promise<number | undefined> {
    const ref = parseResourceKey(key);
    const request = await resources.get('CertificateRequest', ref.namespace, ref.name);
    if (request === undefined || request.metadata.deletionTimestamp !== undefined) return undefined;
    const conds = request.status?.conditions;
    const ready = getCondition(conds, 'Ready');
    // Terminal: issued, failed or denied requests are never signed again.
    if (ready?.status === 'True' || ready?.reason === 'Failed' || ready?.reason === 'Denied') {
      return undefined;
    }
    const approved = getCondition(conds, 'Approved');
    const denied = getCondition(conds, 'Denied');
    if (denied?.status === 'True') {
      await update(
        request,
        [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Denied',
            message: 'The CertificateRequest was denied by an approval controller',
          },
        ],
        { failureTime: rfc3339(ctx.clock.now()) },
      );
      return undefined;
    }
    if (approved?.status !== 'True') {
      let decision;
      try {
        decision = await ctx.approver(freezeSnapshot(request));
      } catch (err) {
        ctx.logger.warn('approver failed', { request: key, error: errorMessage(err) });
        throw err;
      }
      if (decision.approved) {
        await update(request, [
          {
            type: 'Approved',
            status: 'True',
            reason: 'cert-manager.io',
            message: decision.reason ?? 'Certificate request has been approved by certflow',
          },
        ]);
      } else {
        await update(
          request,
          [
            { type: 'Denied', status: 'True', reason: 'certflow.io', message: decision.reason },
            {
              type: 'Ready',
              status: 'False',
              reason: 'Denied',
              message: `The CertificateRequest was denied: ${decision.reason}`,
            },
          ],
          { failureTime: rfc3339(ctx.clock.now()) },
        );
      }
      return 0;
    }

    const issuer = await findIssuer(ctx, request.metadata.namespace, request.spec.issuerRef);
    const issuerKind = request.spec.issuerRef.kind ?? 'Issuer';
    const issuerKey = resourceKey(
      issuerKind === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer',
      issuerKind === 'ClusterIssuer' ? undefined : request.metadata.namespace,
      request.spec.issuerRef.name,
    );
    const issuerReady = getCondition(issuer?.status?.conditions, 'Ready');
    if (issuer === undefined || issuerReady?.status !== 'True') {
      ctx.waitForIssuer(issuerKey, 'CertificateRequest', key);
      await update(request, [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Pending',
          message:
            issuer === undefined
              ? `Referenced "${issuerKind}" not found: ${request.spec.issuerRef.name}`
              : `Referenced "${issuerKind}" is not ready: ${issuerReady?.message ?? ''}`,
        },
      ]);
      return undefined;
    }
    if (issuer.spec.acme !== undefined) return signAcme(request);
    const signer = ctx.signers[issuer.spec.ca !== undefined ? 'CA' : 'SelfSigned'];
    if (signer === undefined) {
      await update(
        request,
        [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Failed',
            message: 'This issuer type is not supported yet',
          },
        ],
        { failureTime: rfc3339(ctx.clock.now()) },
      );
      return undefined;
    }
    const result = await signer(request, issuer);
    if ('pending' in result) {
      await update(request, [
        { type: 'Ready', status: 'False', reason: 'Pending', message: result.pending },
      ]);
      // What the signer waits for (a Secret) may appear at any time: look again later.
      return ctx.options.retryMaxMs;
    }
    if ('error' in result) {
      await update(
        request,
        [{ type: 'Ready', status: 'False', reason: 'Failed', message: result.error }],
        { failureTime: rfc3339(ctx.clock.now()) },
      );
      return undefined;
    }
    await update(
      request,
      [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Issued',
          message: 'Certificate fetched from issuer successfully',
        },
      ],
      {
        certificate: Buffer.from(result.chainPem).toString('base64'),
        ...(result.caPem === undefined ? {} : { ca: Buffer.from(result.caPem).toString('base64') }),
      },
    );
    return undefined;
  }

  return { name: 'certificaterequests', kind: 'CertificateRequest', concurrency: 8, reconcile };
}
