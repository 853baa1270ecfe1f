// Link headers of a certificate download: which URLs are alternate chains.
import { describe, expect, it } from 'vitest';
import { alternateLinks } from '../../../src/acme/transport.js';

const base = new URL('https://acme.test/cert/abc');

describe('alternateLinks', () => {
  it.each([
    { name: 'no header', values: undefined, expected: [] },
    {
      name: 'one alternate',
      values: ['<https://acme.test/cert/abc/1>;rel="alternate"'],
      expected: ['https://acme.test/cert/abc/1'],
    },
    {
      name: 'an index link is not an alternate',
      values: ['<https://acme.test/dir>;rel="index"'],
      expected: [],
    },
    {
      name: 'several in one comma-joined header, with spaces and unquoted rel',
      values: [
        '<https://acme.test/dir>; rel="index", <https://acme.test/cert/abc/1>; rel=alternate, <https://acme.test/cert/abc/2>;rel="alternate"',
      ],
      expected: ['https://acme.test/cert/abc/1', 'https://acme.test/cert/abc/2'],
    },
    {
      name: 'separate headers',
      values: [
        '<https://acme.test/cert/abc/1>;rel="alternate"',
        '<https://acme.test/cert/abc/2>;rel="alternate"',
      ],
      expected: ['https://acme.test/cert/abc/1', 'https://acme.test/cert/abc/2'],
    },
    {
      name: 'a relative reference resolved against the request URL',
      values: ['</cert/abc/1>;rel="alternate"'],
      expected: ['https://acme.test/cert/abc/1'],
    },
  ])('$name', ({ values, expected }) => {
    expect(alternateLinks(values, base)).toEqual(expected);
  });
});
