// The application payload envelope of a secured node, and the end-to-end DM seal inside it
// (docs/security.md §7.2). Every payload a SecureStation sends starts with one kind byte, so a
// receiver tells a plain message from a sealed DM or a key exchange:
//
//   0 PLAIN        ‖ payload
//   1 DM           ‖ counter (u32 LE) ‖ ChaCha20-Poly1305 ciphertext ‖ 8-byte tag
//   2 KEY_REQUEST  ‖ sender's X25519 public key (32): "here is mine, send me yours"
//   3 KEY_ANSWER   ‖ sender's X25519 public key (32)
//   4 KEY_NOTICE   ‖ sender's X25519 public key (32): a KEY_REQUEST a relay answered from its
//                    cache on the way (docs/security.md §8): the target learns the key, answers not
//   5 KEY_OFFER    ‖ owner id (u32 LE) ‖ owner's X25519 public key (32): a cache answer, taken
//                    only when the key is bound to the owner's id (key-id.ts)
//   6 KEYED_DM     ‖ sender's X25519 public key (32) ‖ a DM envelope (kind 1 …): a first DM that
//                    carries the sender's key, so its receiver opens it without asking back
//   7 KEYED_PLAIN  ‖ sender's X25519 public key (32) ‖ payload: a broadcast that carries its
//                    sender's key to every node it reaches (at most one an hour, §8)
//
// A DM is sealed under the pairwise key of (src, dst) with nonce = src (u32 LE) ‖ counter (u32
// LE) ‖ 01 00 00 00 (the last word keeps DM nonces apart from frame nonces even if the counter
// space is shared) and AAD = kind ‖ src ‖ dst ‖ counter, so a relay (which holds the network key,
// not the pairwise key) can neither read a DM nor move it to another src or dst undetected.
import { openTruncated, sealInto, TAG_BYTES } from "./aead";
import { readU32LE, writeU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";

export const PayloadKind = Object.freeze({ PLAIN: 0, DM: 1, KEY_REQUEST: 2, KEY_ANSWER: 3, KEY_NOTICE: 4, KEY_OFFER: 5, KEYED_DM: 6, KEYED_PLAIN: 7 } as const);
export type PayloadKindCode = (typeof PayloadKind)[keyof typeof PayloadKind];

export const PLAIN_OVERHEAD_BYTES = 1;
const DM_HEADER_BYTES = 1 + 4;
export const DM_OVERHEAD_BYTES = DM_HEADER_BYTES + TAG_BYTES;
export const KEY_MESSAGE_BYTES = 1 + PUBLIC_KEY_BYTES;
export const KEY_OFFER_BYTES = 1 + 4 + PUBLIC_KEY_BYTES;
/** What a keyed DM adds to a DM envelope (the kind byte and the sender's key), and a keyed broadcast to a plain one. */
export const KEYED_DM_EXTRA_BYTES = 1 + PUBLIC_KEY_BYTES;
export const KEYED_PLAIN_OVERHEAD_BYTES = 1 + PUBLIC_KEY_BYTES;

export function plainEnvelope(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = PayloadKind.PLAIN;
  out.set(payload, 1);
  return out;
}

export function keyMessage(kind: typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER | typeof PayloadKind.KEY_NOTICE, publicKey: Uint8Array): Uint8Array {
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

/** A cache answer: `owner`'s key, sent by a node that holds it (KEY_OFFER). */
export function keyOffer(owner: number, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_OFFER_BYTES);
  out[0] = PayloadKind.KEY_OFFER;
  writeU32LE(out, 1, owner);
  out.set(publicKey, 5);
  return out;
}

/** Reads a KEY_OFFER; undefined when malformed. */
export function readKeyOffer(envelope: Uint8Array): { readonly owner: number; readonly publicKey: Uint8Array } | undefined {
  if (envelope.length !== KEY_OFFER_BYTES || envelope[0] !== PayloadKind.KEY_OFFER) return undefined;
  return { owner: readU32LE(envelope, 1), publicKey: envelope.slice(5) };
}

/** A DM envelope with the sender's key in front (KEYED_DM). */
export function keyedDm(publicKey: Uint8Array, dmEnvelope: Uint8Array): Uint8Array {
  return withKey(PayloadKind.KEYED_DM, publicKey, dmEnvelope);
}

/** kind, then the sender's public key, then `body` (KEYED_DM and KEYED_PLAIN share this layout). */
function withKey(kind: number, publicKey: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + PUBLIC_KEY_BYTES + body.length);
  out[0] = kind;
  out.set(publicKey, 1);
  out.set(body, 1 + PUBLIC_KEY_BYTES);
  return out;
}

/** Splits a KEYED_DM into the sender's key and the DM envelope inside; undefined when malformed. */
export function readKeyedDm(envelope: Uint8Array): { readonly publicKey: Uint8Array; readonly dm: Uint8Array } | undefined {
  if (envelope.length < KEYED_DM_EXTRA_BYTES + DM_OVERHEAD_BYTES || envelope[0] !== PayloadKind.KEYED_DM) return undefined;
  return { publicKey: envelope.slice(1, KEYED_DM_EXTRA_BYTES), dm: envelope.subarray(KEYED_DM_EXTRA_BYTES) };
}

/** A plain payload with the sender's key in front (KEYED_PLAIN). */
export function keyedPlainEnvelope(publicKey: Uint8Array, payload: Uint8Array): Uint8Array {
  return withKey(PayloadKind.KEYED_PLAIN, publicKey, payload);
}
