// Network key and its per-purpose subkeys (docs/security.md §3). A network is joined with one
// 32-byte key, given raw (32 random bytes) or derived from a passphrase; every use gets its own
// subkey by HKDF, so no key ever serves two purposes (the frame AEAD key never equals the key a
// passphrase hashes to, and a future purpose cannot weaken an existing one).
import { ascii, concatBytes, readU32LE, toHex } from "./bytes";
import { hexToBytes, hkdf, pbkdf2, sha256 } from "./primitives";

export const NETWORK_KEY_BYTES = 32;

/**
 * PBKDF2 iterations. The passphrase is stretched once, when it is set (the device then caches the
 * derived key, src/app/security.ts), never per frame and never at an ordinary boot, so the count
 * is what one derivation on an ESP32 can afford (docs/security.md §3: about 2.3 s on the XS
 * engine of a host, so tens of seconds on the device, once), not what a boot can. Each guess of
 * an offline dictionary attack costs that many HMACs; a random key (`key random`) needs none.
 */
export const PBKDF2_ITERATIONS = 8192;
/** v2: 8192 iterations (v1 was 4096 under "system5/v1/"). */
export const PASSPHRASE_SALT_PREFIX = "system5/v2/";
/** HKDF salt for every subkey: fixed, so a key and a purpose give one subkey everywhere. */
export const HKDF_SALT = "system5 v1";

/** HKDF info strings, one per purpose. */
export const KeyPurpose = Object.freeze({
  /** The link AEAD key that seals every frame on the air. */
  FRAME: "frame",
  /** A 4-byte public network id (tells "wrong network" from "damaged frame" in logs). */
  NETID: "netid",
} as const);

/**
 * The network key from a passphrase: PBKDF2-HMAC-SHA256, salt "system5/v1/" + network name.
 * Both arguments are bytes (the caller UTF-8-encodes user text) so the core needs no encoder.
 * The network name in the salt makes a precomputed dictionary useless across networks.
 */
export function networkKeyFromPassphrase(passphrase: Uint8Array, networkName: Uint8Array, iterations = PBKDF2_ITERATIONS): Uint8Array {
  return pbkdf2(sha256, passphrase, concatBytes(ascii(PASSPHRASE_SALT_PREFIX), networkName), { c: iterations, dkLen: NETWORK_KEY_BYTES });
}

/** HKDF-SHA256(ikm, salt "system5 v1", info) → `length` bytes. */
export function deriveSubkey(ikm: Uint8Array, info: Uint8Array, length = 32): Uint8Array {
  return hkdf(sha256, ikm, ascii(HKDF_SALT), info, length);
}

/** The subkeys a node holds for one network key. */
export interface NetworkKeys {
  /** ChaCha20-Poly1305 key for sealing frames (frame-seal.ts). */
  readonly frame: Uint8Array;
  /** Public 32-bit id of the network (not secret: it is derived one-way from the key). */
  readonly netId: number;
}

/** Throws RangeError on a key of the wrong length (a configuration error, caught at boot). */
export function networkKeys(networkKey: Uint8Array): NetworkKeys {
  if (!(networkKey instanceof Uint8Array) || networkKey.length !== NETWORK_KEY_BYTES) {
    throw new RangeError(`a network key is ${NETWORK_KEY_BYTES} bytes`);
  }
  const id = deriveSubkey(networkKey, ascii(KeyPurpose.NETID), 4);
  return Object.freeze({
    frame: deriveSubkey(networkKey, ascii(KeyPurpose.FRAME)),
    netId: readU32LE(id, 0),
  });
}

/**
 * A raw network key as text people can copy to every node (`key random`, `set key`):
 * "s5k1:" ‖ 64 hex digits of the key ‖ 4 hex digits of check (the first 2 bytes of SHA-256 over
 * the key), so a typo is refused rather than joining a network of one. 73 characters.
 */
export const SHARE_PREFIX = "s5k1:";
export const SHARE_STRING_LENGTH = SHARE_PREFIX.length + 2 * NETWORK_KEY_BYTES + 4;

export function shareString(networkKey: Uint8Array): string {
  if (networkKey.length !== NETWORK_KEY_BYTES) throw new RangeError(`a network key is ${NETWORK_KEY_BYTES} bytes`);
  return SHARE_PREFIX + toHex(networkKey) + toHex(sha256(networkKey).subarray(0, 2));
}

/** Whether `text` is meant as a share string (then it must parse; it is never a passphrase). */
export function looksLikeShareString(text: string): boolean {
  return text.toLowerCase().startsWith(SHARE_PREFIX);
}

/** The key in a share string, or why it is not one. */
export function parseShareString(text: string): { ok: true; key: Uint8Array } | { ok: false; error: string } {
  const t = text.trim().toLowerCase();
  if (!t.startsWith(SHARE_PREFIX) || t.length !== SHARE_STRING_LENGTH || !/^[0-9a-f]+$/.test(t.slice(SHARE_PREFIX.length))) {
    return { ok: false, error: `a share string is ${SHARE_PREFIX} followed by ${SHARE_STRING_LENGTH - SHARE_PREFIX.length} hex digits` };
  }
  const key = hexToBytes(t.slice(SHARE_PREFIX.length, SHARE_PREFIX.length + 2 * NETWORK_KEY_BYTES));
  if (toHex(sha256(key).subarray(0, 2)) !== t.slice(SHARE_PREFIX.length + 2 * NETWORK_KEY_BYTES)) return { ok: false, error: "the share string's check digits do not match: a typo?" };
  return { ok: true, key };
}

