// The pinned peer keys in flash (docs/security.md §13.2): the core's PeerStore in Preference,
// domain "s5peer", one record per peer the user exchanged a private message with, so a reboot
// neither forgets whom to trust nor which of their DMs were already delivered.
//
//   key    the peer's id, 8 hex digits (Preference keys are at most 15 characters)
//   value  44-byte ArrayBuffer: X25519 public key (32) ‖ highest DM counter accepted, u32 LE ‖
//          1 when that counter is set, else 0 ‖ 3 zero bytes ‖ check u32 LE (first 4 bytes of
//          SHA-256 over the 40 bytes before it)
//
// A damaged record is skipped (that peer is pinned afresh when next heard) and reported; a record
// is written when a peer is first talked to and at every DM accepted from it, which is one flash
// write per private message received (messages, not frames: a user's traffic, not the mesh's).
import { readU32LE, writeU32LE } from "../core/security/bytes";
import { PUBLIC_KEY_BYTES } from "../core/security/key-frame";
import type { PeerStore, PinnedPeer } from "../core/security/peer-keys";
import { sha256 } from "../core/security/primitives";
import { formatNodeId } from "../core/station";
import { parseNodeId } from "./node-id";
import type { PreferenceLike } from "./settings";

export const PEER_DOMAIN = "s5peer";
const RECORD_BYTES = 44;

function check(b: Uint8Array): number {
  return readU32LE(sha256(b.subarray(0, RECORD_BYTES - 4)), 0);
}

export function encodePeerRecord(p: PinnedPeer): ArrayBuffer {
  const b = new Uint8Array(RECORD_BYTES);
  b.set(p.publicKey.subarray(0, PUBLIC_KEY_BYTES), 0);
  writeU32LE(b, 32, p.dmMark ?? 0);
  b[36] = p.dmMark === undefined ? 0 : 1;
  writeU32LE(b, 40, check(b));
  return b.buffer as ArrayBuffer;
}

export function decodePeerRecord(id: number, raw: unknown): PinnedPeer | undefined {
  if (!(raw instanceof ArrayBuffer) || raw.byteLength !== RECORD_BYTES) return undefined;
  const b = new Uint8Array(raw);
  if (readU32LE(b, 40) !== check(b) || b[36] > 1) return undefined;
  return { id, publicKey: b.slice(0, PUBLIC_KEY_BYTES), dmMark: b[36] === 1 ? readU32LE(b, 32) : undefined };
}

export class PreferencePeerStore implements PeerStore {
  readonly #store: PreferenceLike;
  readonly #domain: string;
  /** Records that could not be read at the last load (the boot reports them). */
  readonly damaged: string[] = [];

  constructor(store: PreferenceLike, domain = PEER_DOMAIN) {
    this.#store = store;
    this.#domain = domain;
  }

  load(): PinnedPeer[] {
    const out: PinnedPeer[] = [];
    for (const key of this.#store.keys(this.#domain)) {
      const id = parseNodeId(key);
      const p = id.ok ? decodePeerRecord(id.id, this.#store.get(this.#domain, key)) : undefined;
      if (p === undefined) this.damaged.push(key);
      else out.push(p);
    }
    return out;
  }

  save(peer: PinnedPeer): void {
    this.#store.set(this.#domain, formatNodeId(peer.id), encodePeerRecord(peer));
  }

  remove(id: number): void {
    this.#store.delete(this.#domain, formatNodeId(id));
  }
}
Object.freeze(PreferencePeerStore.prototype);
