// Node ids bound to public keys (docs/security.md §7.3). A node's key id is the first four bytes
// (u32 LE) of SHA-256("system5 key id" ‖ X25519 public key). A key is *bound* to an id when its
// key id equals that id: then anyone can check a key offered for the id with one hash, so a key
// may come from any node that holds it (a cache on the path, a relay that overheard it), not only
// from its owner. A 32-bit id is a short hash: an insider that wants to answer for one chosen id
// must grind about 2^31 key pairs (§7.3 gives the cost); pinning (TOFU) still keeps a peer talked
// to from being re-keyed by one who ground a key for it later.
import { ascii, concatBytes, readU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";
import { sha256, x25519 } from "./primitives";
import { isUnicastId } from "../station";

/** Domain label of the key-id hash (no other hash in the protocol starts with it). */
export const KEY_ID_LABEL = "system5 key id";
const LABEL = ascii(KEY_ID_LABEL);

/** The node id a public key binds: u32 LE of SHA-256(label ‖ key), bytes 0–3. */
export function keyIdOf(publicKey: Uint8Array): number {
  return readU32LE(sha256(concatBytes(LABEL, publicKey)), 0);
}

/** Whether `publicKey` is bound to `id` (a well-formed key whose key id is `id`). */
export function isBoundKey(id: number, publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && isUnicastId(id) && keyIdOf(publicKey) === id >>> 0;
}

/**
 * A node identity whose id is its key id: draws 32-byte secrets from `draw32` (a seeded generator
 * in the simulator; the device's entropy pool) until the key id is a unicast id not in `taken`
 * (0 and 0xffffffff are reserved; a collision with a known id is redrawn, since two nodes under
 * one id would reuse nonces, §13.5).
 */
export function keyedIdentity(draw32: () => number, taken?: (id: number) => boolean): { readonly id: number; readonly secretKey: Uint8Array; readonly publicKey: Uint8Array } {
  for (;;) {
    const secretKey = new Uint8Array(32);
    for (let i = 0; i < 32; i += 4) {
      const v = draw32() >>> 0;
      secretKey[i] = v & 0xff;
      secretKey[i + 1] = (v >>> 8) & 0xff;
      secretKey[i + 2] = (v >>> 16) & 0xff;
      secretKey[i + 3] = v >>> 24;
    }
    const publicKey = x25519.getPublicKey(secretKey);
    const id = keyIdOf(publicKey);
    if (isUnicastId(id) && taken?.(id) !== true) return { id, secretKey, publicKey };
  }
}
