// X25519 node keys and the pairwise DM keys (docs/security.md §7). A node's secret key is 32
// bytes its host gives it (the device draws them once from its hardware RNG and stores them);
// the core never generates randomness. Peers' public keys are pinned on first use (TOFU): a
// different key later announced for a known id is refused and counted, since accepting it would
// let any key holder that claims the id read that peer's future DMs. Compare fingerprints out
// of band to rule out a first-use impostor.
import { ascii, concatBytes, toHex, writeU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";
import { deriveSubkey } from "./keys";
import { sha256, x25519 } from "./primitives";

export const SECRET_KEY_BYTES = 32;
export const DEFAULT_MAX_PEERS = 64;
/** HKDF info prefix of a pairwise key: "dm" ‖ lower id (u32 LE) ‖ higher id (u32 LE). */
export const DM_KEY_INFO = "dm";

/** A public key's fingerprint: the first 8 bytes of its SHA-256, as 4 groups of 4 hex digits. */
export function fingerprint(publicKey: Uint8Array): string {
  const h = toHex(sha256(publicKey).subarray(0, 8));
  return `${h.slice(0, 4)} ${h.slice(4, 8)} ${h.slice(8, 12)} ${h.slice(12, 16)}`;
}

export type LearnResult = "new" | "known" | "conflict" | "invalid";

interface Peer {
  readonly publicKey: Uint8Array;
  readonly dmKey: Uint8Array;
}

export class PeerKeys {
  readonly self: number;
  readonly publicKey: Uint8Array;
  readonly #secret: Uint8Array;
  readonly #max: number;
  readonly #peers = new Map<number, Peer>();
  evictions = 0;

  /** Throws RangeError on a secret key of the wrong length (a configuration error). */
  constructor(self: number, secretKey: Uint8Array, maxPeers = DEFAULT_MAX_PEERS) {
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) throw new RangeError(`a node secret key is ${SECRET_KEY_BYTES} bytes`);
    this.self = self >>> 0;
    this.#secret = secretKey.slice();
    this.#max = maxPeers;
    this.publicKey = x25519.getPublicKey(this.#secret);
  }

  get size(): number {
    return this.#peers.size;
  }

  has(id: number): boolean {
    return this.#peers.has(id);
  }

  /** Forgets a pinned key (the user's `reset peer`); the next key announced is learned afresh. */
  forget(id: number): boolean {
    return this.#peers.delete(id);
  }

  publicKeyOf(id: number): Uint8Array | undefined {
    return this.#peers.get(id)?.publicKey;
  }

  /**
   * Records `publicKey` for `id`. The X25519 shared secret is computed here, once per peer (it
   * is the expensive step), and a key that yields none (a low-order point) is "invalid".
   */
  learn(id: number, publicKey: Uint8Array): LearnResult {
    if (id === this.self || publicKey.length !== PUBLIC_KEY_BYTES) return "invalid";
    const known = this.#peers.get(id);
    if (known !== undefined) {
      let same = true;
      for (let i = 0; i < PUBLIC_KEY_BYTES; i++) if (known.publicKey[i] !== publicKey[i]) same = false;
      if (!same) return "conflict";
      this.#touch(id, known);
      return "known";
    }
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(this.#secret, publicKey);
    } catch {
      return "invalid";
    }
    const lo = Math.min(this.self, id);
    const hi = Math.max(this.self, id);
    const ids = new Uint8Array(8);
    writeU32LE(ids, 0, lo);
    writeU32LE(ids, 4, hi);
    const peer = { publicKey: publicKey.slice(), dmKey: deriveSubkey(shared, concatBytes(ascii(DM_KEY_INFO), ids)) };
    if (this.#peers.size >= this.#max) {
      this.#peers.delete(this.#peers.keys().next().value as number);
      this.evictions++;
    }
    this.#peers.set(id, peer);
    return "new";
  }

  /** The pairwise key shared with `id`, if its public key is known. */
  dmKey(id: number): Uint8Array | undefined {
    const p = this.#peers.get(id);
    if (p !== undefined) this.#touch(id, p);
    return p?.dmKey;
  }

  #touch(id: number, p: Peer): void {
    this.#peers.delete(id);
    this.#peers.set(id, p);
  }
}
