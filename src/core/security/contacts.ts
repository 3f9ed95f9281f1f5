// The user's contacts (docs/security.md §8, "Contacts"): peers' public keys the host gives the
// node from outside the air — scanned from a QR code, kept from an earlier exchange — so a DM to
// a contact goes at once, with no routed KEY_REQUEST and KEY_ANSWER first. MeshCore's companions
// work this way (every DM goes to a contact whose key was exchanged beforehand).
//
// A contact is checked by the binding rule that keys learnt on the air from a third party pass
// (key-id.ts): a key is taken only when it is bound to the id it is given for, since the node has
// no other way to tell a real contact from a mistyped or forged one, and a contact is held to the
// same standard whether the node runs with binding required or optional. A second key for a
// contact already held is refused (the user removes the old one first), as a pin is (§13.2).
// Contacts are RAM only and bounded; the X25519 pairwise key is derived (by PeerKeys) only when
// the node first writes to or hears from the contact, so a long list costs one SHA-256 per entry.
import { sameBytes } from "./bytes";
import { PUBLIC_KEY_BYTES } from "./key-frame";
import { isBoundKey } from "./key-id";
import { isUnicastId } from "../station";

/**
 * Contacts a node holds by default: 256 keys (8 KB of keys). The largest simulated network has
 * 235 nodes, so every node can hold every other; a full book refuses a new contact rather than
 * dropping one the user gave it.
 */
export const DEFAULT_MAX_CONTACTS = 256;

/** Why a contact was refused. */
export type ContactRefusal = "malformed" | "self" | "unbound" | "conflict" | "full";

export type ContactResult = { readonly ok: true; readonly added: boolean } | { readonly ok: false; readonly code: ContactRefusal; readonly reason: string };

interface Contact {
  readonly publicKey: Uint8Array;
  /** The contact holds our key too (exchanged both ways): our DMs to it need not carry it. */
  readonly holdsOurs: boolean;
}

export class ContactBook {
  readonly self: number;
  readonly max: number;
  readonly #contacts = new Map<number, Contact>();
  /** Contacts refused, by reason (counted; the result says why). */
  readonly refused: Record<ContactRefusal, number> = { malformed: 0, self: 0, unbound: 0, conflict: 0, full: 0 };

  constructor(self: number, max = DEFAULT_MAX_CONTACTS) {
    this.self = self >>> 0;
    // A size that is not a finite number (a bad setting) takes the default.
    this.max = Number.isFinite(max) ? Math.max(0, Math.floor(max)) : DEFAULT_MAX_CONTACTS;
  }

  get size(): number {
    return this.#contacts.size;
  }

  /** Adds `publicKey` as the key of contact `id`; never throws, a refusal says why. */
  add(id: number, publicKey: Uint8Array, holdsOurs = false): ContactResult {
    const hex = (Number.isInteger(id) ? id >>> 0 : 0).toString(16).padStart(8, "0");
    if (!Number.isInteger(id) || !isUnicastId(id >>> 0) || !(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
      return this.#refuse("malformed", `a contact is a unicast node id and a ${PUBLIC_KEY_BYTES}-byte public key`);
    }
    const u = id >>> 0;
    if (u === this.self) return this.#refuse("self", "this node's own id is not a contact");
    if (!isBoundKey(u, publicKey)) return this.#refuse("unbound", `the key is not bound to ${hex} (its key id differs): a mistyped or forged contact`);
    const held = this.#contacts.get(u);
    if (held !== undefined) {
      if (!sameBytes(held.publicKey, publicKey)) return this.#refuse("conflict", `${hex} is already a contact with another key: remove it first`);
      if (holdsOurs && !held.holdsOurs) this.#contacts.set(u, { publicKey: held.publicKey, holdsOurs: true });
      return { ok: true, added: false };
    }
    if (this.#contacts.size >= this.max) return this.#refuse("full", `${this.max} contacts already held`);
    this.#contacts.set(u, { publicKey: publicKey.slice(), holdsOurs });
    return { ok: true, added: true };
  }

  remove(id: number): boolean {
    return this.#contacts.delete(id >>> 0);
  }

  has(id: number): boolean {
    return this.#contacts.has(id >>> 0);
  }

  /** The contact's key, or undefined. */
  keyOf(id: number): Uint8Array | undefined {
    return this.#contacts.get(id >>> 0)?.publicKey;
  }

  /** Every contact held, in the order added (the host lists and persists them). */
  list(): Array<{ readonly id: number; readonly publicKey: Uint8Array; readonly holdsOurs: boolean }> {
    const out: Array<{ readonly id: number; readonly publicKey: Uint8Array; readonly holdsOurs: boolean }> = [];
    for (const [id, c] of this.#contacts) out.push({ id, publicKey: c.publicKey.slice(), holdsOurs: c.holdsOurs });
    return out;
  }

  holdsOurs(id: number): boolean {
    return this.#contacts.get(id >>> 0)?.holdsOurs === true;
  }

  /** Counts a refusal decided outside the book (a conflict with a held key, a malformed list). */
  refuse(code: ContactRefusal, reason: string): ContactResult {
    return this.#refuse(code, reason);
  }

  #refuse(code: ContactRefusal, reason: string): ContactResult {
    this.refused[code]++;
    return { ok: false, code, reason };
  }
}
