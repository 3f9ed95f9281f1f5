// The target's key on a location answer (docs/security.md §8, "First contact"). A DM to a node
// that must first be located costs a LOCATE_Q and its LOCATE_A anyway; a secured node appends the
// target's X25519 key (bound to the target's id, key-id.ts) to every LOCATE_A it transmits, after
// the core's 35 bytes, and takes it off again on reception, so the core codec never sees it. The
// asker then holds the key when it learns where the target is, and its DM needs no key request.
// The target puts its own key on; a relay of the answer puts on the key it took off (from its
// cache of bound keys). A receiver keeps the key only when it is bound to the answer's target.
import { FrameType, LOCATE_A_BYTES, ROUTED_HEADER_BYTES } from "../frames";
import { readU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";

/** A LOCATE_A with the target's key: 35 + 32 bytes. */
export const KEYED_LOCATE_A_BYTES = LOCATE_A_BYTES + PUBLIC_KEY_BYTES;

function isLocateAnswer(inner: Uint8Array): boolean {
  return inner.length > 0 && (inner[0] & 15) === FrameType.LOCATE_A;
}

/** The target a LOCATE_A answers for (core bytes 26–29), or undefined for any other frame. */
export function locateTarget(inner: Uint8Array): number | undefined {
  return isLocateAnswer(inner) && inner.length >= LOCATE_A_BYTES ? readU32LE(inner, ROUTED_HEADER_BYTES) : undefined;
}

/** A core LOCATE_A with `publicKey` appended. */
export function withLocateKey(inner: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(inner.length + PUBLIC_KEY_BYTES);
  out.set(inner, 0);
  out.set(publicKey, inner.length);
  return out;
}

/**
 * Splits a received LOCATE_A that carries a key into the core frame and the key; any other frame
 * comes back whole, with no key.
 */
export function splitLocateKey(inner: Uint8Array): { readonly frame: Uint8Array; readonly target?: number; readonly publicKey?: Uint8Array } {
  if (!isLocateAnswer(inner) || inner.length !== KEYED_LOCATE_A_BYTES) return { frame: inner };
  return { frame: inner.subarray(0, LOCATE_A_BYTES), target: readU32LE(inner, ROUTED_HEADER_BYTES), publicKey: inner.subarray(LOCATE_A_BYTES) };
}
