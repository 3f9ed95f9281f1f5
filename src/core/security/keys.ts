// Network key and its per-purpose subkeys (docs/security.md §3). A network is joined with one
// 32-byte key, given raw (32 random bytes) or derived from a passphrase; every use gets its own
// subkey by HKDF, so no key ever serves two purposes (the frame AEAD key never equals the key a
// passphrase hashes to, and a future purpose cannot weaken an existing one).
import { ascii, concatBytes, readU32LE } from "./bytes";
import { hkdf, pbkdf2, sha256 } from "./primitives";

export const NETWORK_KEY_BYTES = 32;

/**
 * PBKDF2 iterations. The passphrase is stretched once, when it is set (the device then stores the
 * derived key), never per frame: 4096 makes each guess of an offline dictionary attack cost 4096
 * HMACs while staying about a second on the XS engine of a host (the bench prints the figure);
 * an ESP32 is slower still, which is why the result is stored rather than derived at every boot.
 */
export const PBKDF2_ITERATIONS = 4096;
export const PASSPHRASE_SALT_PREFIX = "system5/v1/";
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
