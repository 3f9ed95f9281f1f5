// The user's contacts in flash (docs/security.md §8 "Contacts", "On the device"): peers' public keys the
// user gave the node at the console (`contact add <node> <key>`) or over the device API, kept in
// Preference domain "s5contact", one record per contact, and handed to the SecureStation at boot.
//
//   key    the contact's id, 8 hex digits (Preference keys are at most 15 characters)
//   value  36-byte ArrayBuffer: X25519 public key (32) ‖ check (4: the first 4 bytes of
//          SHA-256("system5/contact/v1" ‖ id u32 LE ‖ key), so a record moved to another id or
//          damaged in flash does not read)
//
// A record that does not read (wrong type or length, failed check, a key that is not a node id)
// is counted, erased and named at boot; the other contacts and every setting load as before. A
// record that reads is still only a claim: the core takes it only when the key is bound to the id
// (§7.3), and refuses (counts, warns) anything else, as for a contact typed at the console.
//
// Flash budget: a 36-byte blob takes about 4 NVS entries of 32 bytes (entry, two data entries,
// blob index; from the NVS layout, not measured on a board). The default NVS partition holds about
// 630 usable entries (0x6000, one page kept free), shared with settings, keys and up to 32 pinned
// peers (about 4 entries each), so the device holds at most DEVICE_MAX_CONTACTS contacts: 64
// contacts are about 256 entries, 8 KB of flash.
import { concatBytes, readU32LE, toHex, writeU32LE } from "../core/security/bytes";
import { PUBLIC_KEY_BYTES } from "../core/security/key-frame";
import { hexToBytes, sha256 } from "../core/security/primitives";
import type { ContactEntry } from "../core/security/secure-station";
import { formatNodeId } from "../core/station";
import { parseNodeId } from "./node-id";
import type { PreferenceLike } from "./settings";
import { encodeUtf8 } from "./utf8";

export const CONTACT_DOMAIN = "s5contact";
/** Contacts a device holds at most (the NVS budget above); the core's own default is 256. */
export const DEVICE_MAX_CONTACTS = 64;
const RECORD_BYTES = PUBLIC_KEY_BYTES + 4;
const CHECK_LABEL = "system5/contact/v1";
const KEY_HEX = /^[0-9a-fA-F]{64}$/;

function check(id: number, publicKey: Uint8Array): number {
  const idBytes = new Uint8Array(4);
  writeU32LE(idBytes, 0, id >>> 0);
  return readU32LE(sha256(concatBytes(encodeUtf8(CHECK_LABEL), idBytes, publicKey)), 0);
}

export function encodeContactRecord(id: number, publicKey: Uint8Array): ArrayBuffer {
  const b = new Uint8Array(RECORD_BYTES);
  b.set(publicKey.subarray(0, PUBLIC_KEY_BYTES), 0);
  writeU32LE(b, PUBLIC_KEY_BYTES, check(id, b.subarray(0, PUBLIC_KEY_BYTES)));
  return b.buffer as ArrayBuffer;
}

/** The key in a stored record for `id`, or undefined when the record does not read. */
export function decodeContactRecord(id: number, raw: unknown): Uint8Array | undefined {
  if (!(raw instanceof ArrayBuffer) || raw.byteLength !== RECORD_BYTES) return undefined;
  const b = new Uint8Array(raw);
  const key = b.slice(0, PUBLIC_KEY_BYTES);
  return readU32LE(b, PUBLIC_KEY_BYTES) === check(id, key) ? key : undefined;
}

/** A public key as the console prints it and takes it: 64 hex digits (lower case). */
export function formatPublicKey(publicKey: Uint8Array): string {
  return toHex(publicKey);
}

export type KeyParse = { readonly ok: true; readonly key: Uint8Array } | { readonly ok: false; readonly error: string };

/** 64 hex digits (any case) → the 32-byte key; the error never echoes more than the length of what was given. */
export function parsePublicKey(text: string): KeyParse {
  const t = text.trim();
  if (KEY_HEX.test(t)) return { ok: true, key: hexToBytes(t.toLowerCase()) };
  return { ok: false, error: `a public key is 64 hex digits (as contact me prints it), got ${t.length} character${t.length === 1 ? "" : "s"}${/^[0-9a-fA-F]*$/.test(t) ? "" : " with non-hex ones"}` };
}

export interface LoadedContacts {
  readonly contacts: ContactEntry[];
  /** Ids (Preference keys, made printable) of records that did not read: erased. */
  readonly damaged: string[];
  /** Why the store could not be read at all (none loaded), undefined when it could. */
  readonly problem?: string;
}

export class PreferenceContactStore {
  readonly #store: PreferenceLike;
  readonly #domain: string;

  constructor(store: PreferenceLike, domain = CONTACT_DOMAIN) {
    this.#store = store;
    this.#domain = domain;
  }

  /** Every record that reads; damaged ones are erased and named. Never throws. */
  load(): LoadedContacts {
    let keys: string[];
    try {
      keys = this.#store.keys(this.#domain);
    } catch (e) {
      return { contacts: [], damaged: [], problem: `contacts unreadable (${e instanceof Error ? e.message : String(e)})` };
    }
    const contacts: ContactEntry[] = [];
    const damaged: string[] = [];
    for (const name of keys) {
      const id = /^[0-9a-f]{8}$/.test(name) ? parseNodeId(name) : undefined;
      let key: Uint8Array | undefined;
      try {
        key = id?.ok === true ? decodeContactRecord(id.id, this.#store.get(this.#domain, name)) : undefined;
      } catch {
        key = undefined;
      }
      if (id?.ok === true && key !== undefined) {
        contacts.push({ id: id.id, publicKey: key });
        continue;
      }
      damaged.push(shown(name));
      try {
        this.#store.delete(this.#domain, name);
      } catch {
        // Unreadable and not erasable: named again at the next boot, nothing else is affected.
      }
    }
    return { contacts, damaged };
  }

  /** Throws when the store fails (the caller says the contact was not saved). */
  save(id: number, publicKey: Uint8Array): void {
    this.#store.set(this.#domain, formatNodeId(id), encodeContactRecord(id, publicKey));
  }

  /** Whether the record for `id` reads and holds `publicKey` (false: missing or damaged); throws when the store fails. */
  holds(id: number, publicKey: Uint8Array): boolean {
    const key = decodeContactRecord(id, this.#store.get(this.#domain, formatNodeId(id)));
    return key !== undefined && toHex(key) === toHex(publicKey);
  }

  /** Whether a record (readable or not) is there for `id`; throws when the store fails. */
  has(id: number): boolean {
    return this.#store.get(this.#domain, formatNodeId(id)) !== undefined;
  }

  /** Erases the record for `id`, if any; throws when the store fails. */
  remove(id: number): void {
    this.#store.delete(this.#domain, formatNodeId(id));
  }
}
Object.freeze(PreferenceContactStore.prototype);

/** A Preference key made safe for a log line (hostile flash may hold anything). */
function shown(name: string): string {
  return /^[0-9A-Za-z_.-]{1,15}$/.test(name) ? name : `"${name.slice(0, 15).replace(/[^\x20-\x7e]/g, "?")}"`;
}
