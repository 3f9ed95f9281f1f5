// The application payload envelope of a secured node, and the end-to-end DM seal inside it
// (docs/security.md §7.2). Every payload a SecureStation sends starts with one kind byte, so a
// receiver tells a plain message from a sealed DM or a key exchange:
//
//   0 PLAIN        ‖ payload
//   1 DM           ‖ counter (u32 LE) ‖ ChaCha20-Poly1305 ciphertext ‖ 8-byte tag
//   2 KEY_REQUEST  ‖ sender's X25519 public key (32): "here is mine, send me yours"
//   3 KEY_ANSWER   ‖ sender's X25519 public key (32)
//
// A DM is sealed under the pairwise key of (src, dst) with nonce = src (u32 LE) ‖ counter (u32
// LE) ‖ 01 00 00 00 (the last word keeps DM nonces apart from frame nonces even if the counter
// space is shared) and AAD = kind ‖ src ‖ dst ‖ counter, so a relay (which holds the network key,
// not the pairwise key) can neither read a DM nor move it to another src or dst undetected.
import { openTruncated, sealInto, TAG_BYTES } from "./aead";
import { readU32LE, writeU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";

export const PayloadKind = Object.freeze({ PLAIN: 0, DM: 1, KEY_REQUEST: 2, KEY_ANSWER: 3 } as const);
export type PayloadKindCode = (typeof PayloadKind)[keyof typeof PayloadKind];

export const PLAIN_OVERHEAD_BYTES = 1;
const DM_HEADER_BYTES = 1 + 4;
export const DM_OVERHEAD_BYTES = DM_HEADER_BYTES + TAG_BYTES;
export const KEY_MESSAGE_BYTES = 1 + PUBLIC_KEY_BYTES;

export function plainEnvelope(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = PayloadKind.PLAIN;
  out.set(payload, 1);
  return out;
}

export function keyMessage(kind: typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_MESSAGE_BYTES);
  out[0] = kind;
  out.set(publicKey, 1);
  return out;
}

function dmNonce(src: number, counter: number): Uint8Array {
  const n = new Uint8Array(12);
  writeU32LE(n, 0, src);
  writeU32LE(n, 4, counter);
  n[8] = 1;
  return n;
}

function dmAad(src: number, dst: number, counter: number): Uint8Array {
  const a = new Uint8Array(13);
  a[0] = PayloadKind.DM;
  writeU32LE(a, 1, src);
  writeU32LE(a, 5, dst);
  writeU32LE(a, 9, counter);
  return a;
}

export function sealDm(dmKey: Uint8Array, src: number, dst: number, counter: number, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + DM_OVERHEAD_BYTES);
  out[0] = PayloadKind.DM;
  writeU32LE(out, 1, counter);
  sealInto(dmKey, dmNonce(src, counter), dmAad(src, dst, counter), plaintext, out, DM_HEADER_BYTES);
  return out;
}

/** Opens a DM envelope from `src` to `dst`; undefined when malformed or the tag does not verify. */
export function openDm(dmKey: Uint8Array, src: number, dst: number, envelope: Uint8Array): { readonly plaintext: Uint8Array; readonly counter: number } | undefined {
  if (envelope.length < DM_OVERHEAD_BYTES || envelope[0] !== PayloadKind.DM) return undefined;
  const counter = readU32LE(envelope, 1);
  const plaintext = openTruncated(dmKey, dmNonce(src, counter), dmAad(src, dst, counter), envelope.subarray(DM_HEADER_BYTES));
  return plaintext === undefined ? undefined : { plaintext, counter };
}
