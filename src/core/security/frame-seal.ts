// The sealed frame: what every node puts on the air (docs/security.md §4). The transmitting node
// seals each frame it sends, its own or one it relays, with the network's frame key:
//
//   off 0   1  version<<4 | type   } the inner frame's 5-byte link header, in clear (a receiver
//   off 1   4  tx                  } needs tx to find the nonce and its replay window)
//   off 5   4  counter (u32 LE)    the transmitter's frame counter (frame-counter.ts)
//   off 9   n  ChaCha20 of the inner frame's bytes 5..end (RFC 8439, 12-byte IETF nonce)
//   off 9+n 8  Poly1305 tag, first 8 of its 16 bytes
//
// nonce = tx (u32 LE) ‖ counter (u32 LE) ‖ 00 00 00 00, AAD = bytes 0..8 (header and counter).
// Sealing per hop means every bit a receiver gets, header and body, mutable field or not, is
// authenticated by the node that sent it; a relay opens, lets the core change tx/next/ttl/hops,
// and seals its own transmission under its own counter.
//
// The AEAD with its truncated tag is aead.ts (shared with the DM seal).
import { LINK_HEADER_BYTES, MAX_FRAME_BYTES, PROTOCOL_VERSION } from "../frames";
import { sealInto, openTruncated, TAG_BYTES } from "./aead";
import { readU32LE, writeU32LE } from "./bytes";

export const SEAL_COUNTER_BYTES = 4;
export const SEAL_TAG_BYTES = TAG_BYTES;
/** Bytes in clear and authenticated: link header + counter. */
export const SEAL_CLEAR_BYTES = LINK_HEADER_BYTES + SEAL_COUNTER_BYTES;
/** What sealing adds to a frame: counter + truncated tag. */
export const SEAL_OVERHEAD_BYTES = SEAL_COUNTER_BYTES + SEAL_TAG_BYTES;
/** The largest inner frame that still fits the LoRa limit once sealed. */
export const MAX_INNER_FRAME_BYTES = MAX_FRAME_BYTES - SEAL_OVERHEAD_BYTES;
/** Frame type 7: the key announcement (key-frame.ts), sealed like every other type. */
export const KEY_FRAME_TYPE = 7;
/** The highest frame type of protocol version 1 (0..6 and 8, the seqno request, in the core codec; 7 here). */
export const MAX_FRAME_TYPE = 8;

export type OpenFailure = "truncated" | "oversized" | "bad-header" | "bad-tag";

export type OpenResult =
  | { readonly ok: true; readonly inner: Uint8Array; readonly tx: number; readonly counter: number }
  | { readonly ok: false; readonly reason: OpenFailure };

export type SealResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string };

function nonceFor(tx: number, counter: number): Uint8Array {
  const n = new Uint8Array(12);
  writeU32LE(n, 0, tx);
  writeU32LE(n, 4, counter);
  return n;
}

/** Seals `inner` (a complete frame from the codec) under `frameKey` with `counter`. */
export function sealFrame(frameKey: Uint8Array, inner: Uint8Array, counter: number): SealResult {
  if (inner.length < LINK_HEADER_BYTES) return { ok: false, reason: `frame of ${inner.length} bytes has no link header` };
  if (inner.length > MAX_INNER_FRAME_BYTES) {
    return { ok: false, reason: `frame of ${inner.length} bytes exceeds ${MAX_INNER_FRAME_BYTES} (the node must reserve frameOverheadBytes = ${SEAL_OVERHEAD_BYTES})` };
  }
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) return { ok: false, reason: `counter ${counter} is not a u32` };
  const out = new Uint8Array(inner.length + SEAL_OVERHEAD_BYTES);
  out.set(inner.subarray(0, LINK_HEADER_BYTES), 0);
  writeU32LE(out, LINK_HEADER_BYTES, counter);
  sealInto(frameKey, nonceFor(readU32LE(inner, 1), counter), out.subarray(0, SEAL_CLEAR_BYTES), inner.subarray(LINK_HEADER_BYTES), out, SEAL_CLEAR_BYTES);
  return { ok: true, bytes: out };
}

/**
 * Opens a sealed frame. Never throws, never reads outside `bytes`; on success returns the inner
 * frame exactly as its transmitter's core built it.
 */
export function openFrame(frameKey: Uint8Array, bytes: Uint8Array): OpenResult {
  // The shortest inner frame is a link header alone: anything shorter than header + overhead is cut.
  if (bytes.length < SEAL_CLEAR_BYTES + SEAL_TAG_BYTES) return { ok: false, reason: "truncated" };
  if (bytes.length > MAX_FRAME_BYTES) return { ok: false, reason: "oversized" };
  // Cheap checks before any crypto: a frame of another version or an unknown type is dropped
  // without spending a ChaCha20 pass (its tag would be checked over the same bytes anyway).
  if (bytes[0] >> 4 !== PROTOCOL_VERSION || (bytes[0] & 0x0f) > MAX_FRAME_TYPE) return { ok: false, reason: "bad-header" };
  const tx = readU32LE(bytes, 1);
  const counter = readU32LE(bytes, LINK_HEADER_BYTES);
  const body = openTruncated(frameKey, nonceFor(tx, counter), bytes.subarray(0, SEAL_CLEAR_BYTES), bytes.subarray(SEAL_CLEAR_BYTES));
  if (body === undefined) return { ok: false, reason: "bad-tag" };
  const inner = new Uint8Array(LINK_HEADER_BYTES + body.length);
  inner.set(bytes.subarray(0, LINK_HEADER_BYTES), 0);
  inner.set(body, LINK_HEADER_BYTES);
  return { ok: true, inner, tx, counter };
}
