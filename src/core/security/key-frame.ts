// Frame type 7, KEY: a node's X25519 public key, announced to its neighbours (docs/security.md
// §7.1). The core codec of types 0..6 is untouched; this is the one encoder/decoder of type 7.
//
//   off 0  1   version<<4 | 7
//   off 1  4   tx: the key's owner (the frame is sealed by it, so one hop only, never relayed)
//   off 5  1   flags: b0 "please send yours" (a booting node asks its neighbours), b1–7 reserved = 0
//   off 6  32  X25519 public key
//
// Sent once at boot (with b0) and in answer to b0; never in OGMs, so the 32 bytes cost airtime
// only when a neighbour is new. Peers farther than one hop ask through routed DATA (dm-seal.ts).
import { LINK_HEADER_BYTES, PROTOCOL_VERSION } from "../frames";
import { isUnicastId } from "../station";
import { readU32LE, writeU32LE } from "./bytes";
import { KEY_FRAME_TYPE } from "./frame-seal";

export const PUBLIC_KEY_BYTES = 32;
export const KEY_FRAME_BYTES = LINK_HEADER_BYTES + 1 + PUBLIC_KEY_BYTES;
export const KEY_FLAG_REQUEST = 0x01;

export interface KeyFrame {
  readonly owner: number;
  /** The sender asks every hearer for its own KEY frame. */
  readonly request: boolean;
  readonly publicKey: Uint8Array;
}

export function encodeKeyFrame(f: KeyFrame): Uint8Array {
  if (!isUnicastId(f.owner)) throw new RangeError(`KEY frame owner ${f.owner} is not a unicast id`);
  if (f.publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`a public key is ${PUBLIC_KEY_BYTES} bytes`);
  const out = new Uint8Array(KEY_FRAME_BYTES);
  out[0] = (PROTOCOL_VERSION << 4) | KEY_FRAME_TYPE;
  writeU32LE(out, 1, f.owner);
  out[5] = f.request ? KEY_FLAG_REQUEST : 0;
  out.set(f.publicKey, 6);
  return out;
}

/** Decodes a KEY frame; undefined for anything malformed (wrong size, type, reserved bits, owner). */
export function decodeKeyFrame(bytes: Uint8Array): KeyFrame | undefined {
  if (bytes.length !== KEY_FRAME_BYTES) return undefined;
  if (bytes[0] !== ((PROTOCOL_VERSION << 4) | KEY_FRAME_TYPE)) return undefined;
  if ((bytes[5] & ~KEY_FLAG_REQUEST) !== 0) return undefined;
  const owner = readU32LE(bytes, 1);
  if (!isUnicastId(owner)) return undefined;
  return { owner, request: (bytes[5] & KEY_FLAG_REQUEST) !== 0, publicKey: bytes.slice(6) };
}
