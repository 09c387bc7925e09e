/**
 * Workspace keys: the directory name an issue's workspace gets below the workspace root
 * (Symphony SPEC §4.2, §9.5 invariant 3).
 * Sandbox-safe: no Node imports (the hash is computed here, not with node:crypto), so workflows may
 * derive the key deterministically.
 */

/** Characters a workspace key may contain (SPEC §4.2). */
const SAFE_CHAR = /^[A-Za-z0-9._-]$/;

/** Hex digits of the original-identifier hash appended to changed keys: 64 bits, as Symphony does. */
export const WORKSPACE_KEY_HASH_HEX_DIGITS = 16;

/**
 * Longest key Baton produces. Directory names are limited to 255 bytes on common filesystems; a
 * longer identifier is cut and hashed like a changed one, so it still gets a usable, distinct key.
 */
export const MAX_WORKSPACE_KEY_LENGTH = 255;

/** Key used when an issue has no identifier (matches Symphony). */
export const BLANK_IDENTIFIER_KEY = 'issue';

/**
 * The workspace directory name for an issue identifier.
 *
 * - Every character outside `[A-Za-z0-9._-]` becomes `_` (one `_` per Unicode code point).
 * - If that changed anything, `--` and the first 16 hex digits of SHA-256(UTF-8 of the original
 *   identifier) are appended, so distinct identifiers that sanitize alike (`ABC/123`, `ABC 123`)
 *   keep distinct keys. This matches Symphony's keys, so existing workspaces are reused.
 * - Identifiers that sanitization leaves unchanged keep exactly their own text (`MT-101`).
 * - `.` and `..` would name the root or its parent, so their dots are replaced and hashed too.
 * - `null`, `undefined` or blank gives `issue`.
 */
export function workspaceKey(identifier: string | null | undefined): string {
  if (identifier == null || identifier.trim() === '') return BLANK_IDENTIFIER_KEY;
  let sanitized = '';
  for (const char of identifier) sanitized += SAFE_CHAR.test(char) ? char : '_';
  if (sanitized === '.' || sanitized === '..') sanitized = sanitized.replace(/\./g, '_');
  const suffixLength = 2 + WORKSPACE_KEY_HASH_HEX_DIGITS;
  if (sanitized === identifier && sanitized.length <= MAX_WORKSPACE_KEY_LENGTH) return sanitized;
  const head = sanitized.slice(0, MAX_WORKSPACE_KEY_LENGTH - suffixLength);
  return `${head}--${sha256Hex(identifier).slice(0, WORKSPACE_KEY_HASH_HEX_DIGITS)}`;
}

// ---------------------------------------------------------------- SHA-256 (FIPS 180-4)

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** UTF-8 bytes of a string; lone surrogates become U+FFFD, as TextEncoder would do. */
function utf8(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    let cp = char.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return bytes;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** SHA-256 of the UTF-8 encoding of `text`, as 64 lower-case hex digits. */
export function sha256Hex(text: string): string {
  const bytes = utf8(text);
  const bitLength = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  // 64-bit big-endian length; identifiers never reach 2^32 bits, but keep the high word honest.
  const high = Math.floor(bitLength / 0x100000000);
  bytes.push((high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
  bytes.push((bitLength >>> 24) & 0xff, (bitLength >>> 16) & 0xff, (bitLength >>> 8) & 0xff, bitLength & 0xff);

  const h = Uint32Array.from(INITIAL_STATE);
  const w = new Uint32Array(64);
  for (let offset = 0; offset < bytes.length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = w[i - 16]! + s0 + w[i - 7]! + s1;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, hh].forEach((value, i) => {
      h[i] = h[i]! + value; // the typed array wraps to 32 bits
    });
  }
  return Array.from(h, (word) => word.toString(16).padStart(8, '0')).join('');
}
