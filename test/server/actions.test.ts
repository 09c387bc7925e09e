/** Who may act through the HTTP API: a table of requests and the refusal each gets (or none). */
import { describe, expect, it } from 'vitest';
import { isLoopback, refuseAction } from '../../server/actions.js';

const json = { 'content-type': 'application/json', host: '127.0.0.1:8080' };

describe('refuseAction', () => {
  it.each([
    ['loopback JSON', '127.0.0.1', json, undefined, null],
    ['IPv6 loopback JSON', '::1', json, undefined, null],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1', json, undefined, null],
    ['same-origin browser', '127.0.0.1', { ...json, origin: 'http://127.0.0.1:8080' }, undefined, null],
    ['a form post', '127.0.0.1', { 'content-type': 'application/x-www-form-urlencoded' }, undefined, 'bad_request'],
    ['another origin', '127.0.0.1', { ...json, origin: 'http://evil.example' }, undefined, 'forbidden'],
    ['remote without token', '10.0.0.5', json, undefined, 'forbidden'],
    ['remote with the token', '10.0.0.5', { ...json, authorization: 'Bearer s3cret' }, 's3cret', null],
    ['remote with a wrong token', '10.0.0.5', { ...json, authorization: 'Bearer nope!' }, 's3cret', 'forbidden'],
  ])('%s', (_name, remoteAddress, headers, token, expected) => {
    expect(refuseAction({ remoteAddress, headers }, token)?.code ?? null).toBe(expected);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    [undefined, false],
  ])('isLoopback(%s) = %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});
