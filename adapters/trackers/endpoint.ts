/**
 * The one rule for where a tracker adapter may send its token: over https anywhere, over plain
 * http only to this machine (the schema-validated fakes and local proxies). Each adapter words its
 * own error, naming its own key (`provider.endpoint`, `base_url`, `api_url`).
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when requests to `url` would carry the token in clear text off this machine. */
export function sendsTokenInClear(url: URL): boolean {
  return url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}
