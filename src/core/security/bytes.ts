// Small byte helpers the security layer shares: little-endian u32, ASCII labels, constant-time
// comparison; concatenation and hex come from @noble/hashes (through primitives.ts). Labels are
// ASCII by construction, so no UTF-8 encoder is needed here (the app's src/app/utf8.ts encodes
// user text such as passphrases before it reaches the core).
export { bytesToHex as toHex, concatBytes } from "./primitives";

export function writeU32LE(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

export function readU32LE(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** Bytes of an ASCII label (protocol constants only: throws on anything else, a programming error). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`label ${JSON.stringify(text)} is not ASCII`);
    out[i] = c;
  }
  return out;
}

/**
 * a[aAt..aAt+n) == b[bAt..bAt+n), in time independent of where they differ (a tag check must not
 * tell an attacker how many leading bytes of a forgery were right).
 */
export function equalConstantTime(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[aAt + i] ^ b[bAt + i];
  return diff === 0;
}

/** Whether two byte arrays hold the same bytes (not constant time: for public data only). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
