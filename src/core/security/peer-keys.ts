// X25519 node keys and the pairwise DM keys (docs/security.md §7). A node's secret key is 32
// bytes its host gives it (the device draws them once and stores them); the core never generates
// randomness. Peers' public keys are pinned on first use (TOFU): a different key later announced
// for a known id is refused and counted, since accepting it would let any key holder that claims
// the id read that peer's future DMs. Compare fingerprints out of band to rule out a first-use
// impostor.
//
// Pins that matter survive (docs/security.md §13.2): a peer this node exchanged a DM with is
// "talked to", stored through a PeerStore (flash on the device) with the highest DM counter
// accepted from it, reloaded at boot and never evicted, so neither a flood of keys under fresh
// ids nor a reboot lets an impostor re-pin it. Other peers (neighbours heard announcing a key)
// live in RAM, least recently used evicted. Keys from ids not pinned yet cost an X25519
// computation each; that work is bounded by an optional WorkBudget.
import { ascii, concatBytes, toHex, writeU32LE } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";
import type { WorkBudget } from "./key-budget";
import { deriveSubkey } from "./keys";
import { sha256, x25519 } from "./primitives";

export const SECRET_KEY_BYTES = 32;
export const DEFAULT_MAX_PEERS = 64;
/** Peers talked to that are kept pinned (in flash through the PeerStore); at most this many. */
export const DEFAULT_MAX_PINNED = 32;
/** HKDF info prefix of a pairwise key: "dm" ‖ lower id (u32 LE) ‖ higher id (u32 LE). */
export const DM_KEY_INFO = "dm";

/** A public key's fingerprint: the first 8 bytes of its SHA-256, as 4 groups of 4 hex digits. */
export function fingerprint(publicKey: Uint8Array): string {
  const h = toHex(sha256(publicKey).subarray(0, 8));
  return `${h.slice(0, 4)} ${h.slice(4, 8)} ${h.slice(8, 12)} ${h.slice(12, 16)}`;
}

/** "busy": a key from a new id refused for now because the X25519 budget is spent. */
export type LearnResult = "new" | "known" | "conflict" | "invalid" | "busy";

/** A peer talked to, as it persists. */
export interface PinnedPeer {
  readonly id: number;
  readonly publicKey: Uint8Array;
  /** The highest DM counter accepted from it (undefined before its first DM). */
  readonly dmMark: number | undefined;
}

/** Where pinned peers live (Preference on the device, memory in tests and the simulator). */
export interface PeerStore {
  load(): PinnedPeer[];
  /** Persists one peer (replacing its earlier record). May throw: the pin then lives in RAM only. */
  save(peer: PinnedPeer): void;
  /** Erases one peer's record (the user's `reset peer`). May throw like save. */
  remove(id: number): void;
}

export class MemoryPeerStore implements PeerStore {
  readonly peers = new Map<number, PinnedPeer>();
  saves = 0;
  load(): PinnedPeer[] {
    return [...this.peers.values()].map((p) => ({ ...p, publicKey: p.publicKey.slice() }));
  }
  save(peer: PinnedPeer): void {
    this.peers.set(peer.id, { ...peer, publicKey: peer.publicKey.slice() });
    this.saves++;
  }
  remove(id: number): void {
    this.peers.delete(id);
  }
}

interface Peer {
  readonly publicKey: Uint8Array;
  /** Computed when first needed for a peer loaded from the store (no X25519 burst at boot). */
  dmKey: Uint8Array | undefined;
  pinned: boolean;
  dmMark: number | undefined;
}

export interface PeerKeysOptions {
  readonly maxPeers?: number;
  readonly maxPinned?: number;
  readonly store?: PeerStore;
  /** Bounds the X25519 computations for ids not pinned yet. */
  readonly budget?: WorkBudget;
}

export class PeerKeys {
  readonly self: number;
  readonly publicKey: Uint8Array;
  readonly #secret: Uint8Array;
  readonly #max: number;
  readonly #maxPinned: number;
  readonly #store: PeerStore | undefined;
  readonly #budget: WorkBudget | undefined;
  readonly #peers = new Map<number, Peer>();
  evictions = 0;
  /** Problems of the store (a load or save that threw), for the host to report. */
  readonly storeProblems: string[] = [];

  /** Throws RangeError on a secret key of the wrong length (a configuration error). */
  constructor(self: number, secretKey: Uint8Array, options: PeerKeysOptions | number = {}) {
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) throw new RangeError(`a node secret key is ${SECRET_KEY_BYTES} bytes`);
    const o: PeerKeysOptions = typeof options === "number" ? { maxPeers: options } : options;
    this.self = self >>> 0;
    this.#secret = secretKey.slice();
    this.#max = o.maxPeers ?? DEFAULT_MAX_PEERS;
    this.#maxPinned = Math.min(o.maxPinned ?? DEFAULT_MAX_PINNED, this.#max);
    this.#store = o.store;
    this.#budget = o.budget;
    this.publicKey = x25519.getPublicKey(this.#secret);
    this.#load();
  }

  #load(): void {
    if (this.#store === undefined) return;
    let loaded: PinnedPeer[];
    try {
      loaded = this.#store.load();
    } catch (e) {
      this.storeProblems.push(`pinned peer keys unreadable (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    for (const p of loaded) {
      if (this.#peers.size >= this.#maxPinned) break;
      if (p.id === this.self || p.publicKey.length !== PUBLIC_KEY_BYTES) continue;
      this.#peers.set(p.id, { publicKey: p.publicKey.slice(), dmKey: undefined, pinned: true, dmMark: p.dmMark });
    }
  }

  get size(): number {
    return this.#peers.size;
  }

  get pinnedCount(): number {
    let n = 0;
    for (const p of this.#peers.values()) if (p.pinned) n++;
    return n;
  }

  has(id: number): boolean {
    return this.#peers.has(id);
  }

  isPinned(id: number): boolean {
    return this.#peers.get(id)?.pinned === true;
  }

  /**
   * Forgets a peer's key, in RAM and in the store (the user's `reset peer`): the next key
   * announced for it is learned afresh, and so is its DM counter mark.
   */
  forget(id: number): boolean {
    const had = this.#peers.delete(id);
    if (this.#store !== undefined) {
      try {
        this.#store.remove(id);
      } catch (e) {
        this.storeProblems.push(`pinned key of ${id >>> 0} not erased from the store (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return had;
  }

  publicKeyOf(id: number): Uint8Array | undefined {
    return this.#peers.get(id)?.publicKey;
  }

  /** The highest DM counter accepted from `id` before this boot or since (persisted for pinned peers). */
  dmMarkOf(id: number): number | undefined {
    return this.#peers.get(id)?.dmMark;
  }

  /** Ids of the peers loaded from or saved to the store. */
  pinnedIds(): number[] {
    const out: number[] = [];
    for (const [id, p] of this.#peers) if (p.pinned) out.push(id);
    return out;
  }

  /**
   * Records `publicKey` for `id`. The X25519 shared secret is computed here, once per peer (it
   * is the expensive step, bounded by the budget), and a key that yields none (a low-order point)
   * is "invalid". `useBudget` false: a key this node itself needs (its user writes to the peer).
   */
  learn(id: number, publicKey: Uint8Array, now = 0, useBudget = true): LearnResult {
    if (id === this.self || publicKey.length !== PUBLIC_KEY_BYTES) return "invalid";
    const known = this.#peers.get(id);
    if (known !== undefined) {
      let same = true;
      for (let i = 0; i < PUBLIC_KEY_BYTES; i++) if (known.publicKey[i] !== publicKey[i]) same = false;
      if (!same) return "conflict";
      this.#touch(id, known);
      return "known";
    }
    // A key this node needs for its own DM is not a stranger's work: only the others spend the budget.
    if (useBudget && this.#budget !== undefined && !this.#budget.take(now)) return "busy";
    const dmKey = this.#derive(id, publicKey);
    if (dmKey === undefined) return "invalid";
    if (this.#peers.size >= this.#max && !this.#evictOne()) return "busy";
    this.#peers.set(id, { publicKey: publicKey.slice(), dmKey, pinned: false, dmMark: undefined });
    return "new";
  }

  /** The pairwise key shared with `id`, if its public key is known. */
  dmKey(id: number): Uint8Array | undefined {
    const p = this.#peers.get(id);
    if (p === undefined) return undefined;
    this.#touch(id, p);
    if (p.dmKey === undefined) p.dmKey = this.#derive(id, p.publicKey);
    return p.dmKey;
  }

  /**
   * Marks `id` as talked to: pinned for good and persisted (with its DM mark when `dmMark` is
   * given and higher). Returns false when the pin could not be stored (it then holds in RAM).
   */
  pin(id: number, dmMark?: number): boolean {
    const p = this.#peers.get(id);
    if (p === undefined) return false;
    const higher = dmMark !== undefined && (p.dmMark === undefined || dmMark > p.dmMark);
    if (p.pinned && !higher) return true;
    if (!p.pinned && this.pinnedCount >= this.#maxPinned) {
      this.storeProblems.push(`${this.#maxPinned} peers already pinned: ${id.toString(16).padStart(8, "0")} stays unpinned`);
      return false;
    }
    p.pinned = true;
    if (higher) p.dmMark = dmMark;
    if (this.#store === undefined) return true;
    try {
      this.#store.save({ id, publicKey: p.publicKey, dmMark: p.dmMark });
      return true;
    } catch (e) {
      this.storeProblems.push(`pin of ${id.toString(16).padStart(8, "0")} not stored (${e instanceof Error ? e.message : String(e)})`);
      return false;
    }
  }

  #derive(id: number, publicKey: Uint8Array): Uint8Array | undefined {
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(this.#secret, publicKey);
    } catch {
      return undefined;
    }
    const ids = new Uint8Array(8);
    writeU32LE(ids, 0, Math.min(this.self, id));
    writeU32LE(ids, 4, Math.max(this.self, id));
    return deriveSubkey(shared, concatBytes(ascii(DM_KEY_INFO), ids));
  }

  /** Evicts the least recently used peer that is not pinned; false when every peer is pinned. */
  #evictOne(): boolean {
    for (const [id, p] of this.#peers) {
      if (p.pinned) continue;
      this.#peers.delete(id);
      this.evictions++;
      return true;
    }
    return false;
  }

  #touch(id: number, p: Peer): void {
    this.#peers.delete(id);
    this.#peers.set(id, p);
  }
}
