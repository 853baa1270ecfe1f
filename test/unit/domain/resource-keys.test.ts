import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import {
  isNamespaced,
  parseResourceKey,
  resourceKey,
  resourcePrefix,
} from '../../../src/domain/keys.js';
import type { ResourceKind } from '../../../src/domain/types.js';

describe('resourceKey', () => {
  it.each<[ResourceKind, string | undefined, string, string]>([
    ['Certificate', 'default', 'web', 'resources/Certificate/default/web'],
    ['Certificate', undefined, 'web', 'resources/Certificate/default/web'],
    ['Issuer', 'team-a', 'letsencrypt', 'resources/Issuer/team-a/letsencrypt'],
    ['ClusterIssuer', undefined, 'letsencrypt', 'resources/ClusterIssuer/_cluster/letsencrypt'],
    ['ClusterIssuer', 'ignored', 'letsencrypt', 'resources/ClusterIssuer/_cluster/letsencrypt'],
    ['CertificateRequest', 'default', 'web-1', 'resources/CertificateRequest/default/web-1'],
    ['Order', 'default', 'web-1-123', 'resources/Order/default/web-1-123'],
    ['Challenge', 'default', 'web-1-123-0', 'resources/Challenge/default/web-1-123-0'],
    ['Secret', 'default', 'web-tls', 'resources/Secret/default/web-tls'],
  ])('%s %s/%s -> %s', (kind, namespace, name, key) => {
    expect(resourceKey(kind, namespace, name)).toBe(key);
    expect(parseResourceKey(key)).toEqual({
      kind,
      namespace: kind === 'ClusterIssuer' ? undefined : (namespace ?? 'default'),
      name,
    });
  });

  it.each([[''], ['a/b'], ['..'], ['.']])('rejects the name %j', (name) => {
    let err: unknown;
    try {
      resourceKey('Certificate', 'default', name);
    } catch (e) {
      err = e;
    }
    expect(CertflowError.is(err, 'ERR_STORE_KEY')).toBe(true);
  });
});

describe('resourcePrefix', () => {
  it.each<[ResourceKind, string | undefined, string]>([
    ['Certificate', undefined, 'resources/Certificate/'],
    ['Certificate', 'team-a', 'resources/Certificate/team-a/'],
    ['ClusterIssuer', undefined, 'resources/ClusterIssuer/_cluster/'],
    ['ClusterIssuer', 'team-a', 'resources/ClusterIssuer/_cluster/'],
  ])('%s in %s -> %s', (kind, namespace, prefix) => {
    expect(resourcePrefix(kind, namespace)).toBe(prefix);
  });

  it('does not match a longer kind or namespace', () => {
    expect(resourceKey('Issuer', 'ab', 'x').startsWith(resourcePrefix('Issuer', 'a'))).toBe(false);
    expect(resourceKey('ClusterIssuer', undefined, 'x').startsWith(resourcePrefix('Issuer'))).toBe(
      false,
    );
  });
});

describe('parseResourceKey', () => {
  it.each([
    ['locks/Certificate/default/web'],
    ['resources/Certificate/default'],
    ['resources/Certificate/default/web/extra'],
    ['resources/Ingress/default/web'],
    ['resources/Certificate/default/'],
    ['resources/ClusterIssuer/default/le'],
    ['resources/Issuer/_cluster/le'],
  ])('rejects %s', (key) => {
    let err: unknown;
    try {
      parseResourceKey(key);
    } catch (e) {
      err = e;
    }
    expect(CertflowError.is(err, 'ERR_STORE_KEY')).toBe(true);
  });
});

describe('isNamespaced', () => {
  it.each<[ResourceKind, boolean]>([
    ['Issuer', true],
    ['ClusterIssuer', false],
    ['Certificate', true],
    ['CertificateRequest', true],
    ['Order', true],
    ['Challenge', true],
    ['Secret', true],
  ])('%s: %s', (kind, namespaced) => {
    expect(isNamespaced(kind)).toBe(namespaced);
  });
});
