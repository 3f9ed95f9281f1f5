// The device side of the security layer (docs/security.md §12 listed it as not done): what the
// core's SecureStation needs from flash, kept in its own Preference domain "s5sec" so the
// settings domain stays the user's.
//
//   netkey   40-byte ArrayBuffer: check (8) ‖ network key (32). The key PBKDF2 derived from the
//            passphrase and the network name (seconds on an ESP32), so it is derived once and
//            reused while the passphrase and the name stay the same. The check is SHA-256 over
//            the inputs and the key: a changed passphrase or name, or a damaged record, does not
//            match and the key is derived again (never a boot loop, never a wrong key).
//   nodekey  36-byte ArrayBuffer: X25519 secret (32) ‖ check (4). Drawn once from the platform's
//            random source; a damaged record is replaced by a new key (peers that pinned the old
//            public key will then refuse the new one, docs/security.md §11 step 4).
//   ctr,     12-byte ArrayBuffers, two copies of the frame counter's reserved mark:
//   ctrb     mark u32 LE ‖ ~mark u32 LE ‖ check u32 LE. Preference integers are 32-bit signed,
//            so the unsigned mark is bytes, not a number.
//   ctrlost  4-byte ArrayBuffer: the network id under which both copies were found damaged.
//
// The counter rule (a nonce must never repeat, docs/security.md §5): both copies are written at
// every reservation, one after the other, so at any moment at least one holds a mark above every
// value issued. On load the highest readable copy wins. If neither is readable the mark is lost:
// guessing could reuse nonces, so the node refuses to seal (it hears but does not transmit) under
// that network key and says so. Only a new network key (a passphrase this network never used)
// lets it start again at 0. No copy at all is a node that never sealed a frame (or an erased
// NVS, which also erased the passphrase: back to the public default key, where nonce reuse
// exposes nothing the public key did not).
import { concatBytes, readU32LE, toHex, writeU32LE } from "../core/security/bytes";
import type { CounterStore } from "../core/security/frame-counter";
import { looksLikeShareString, NETWORK_KEY_BYTES, networkKeyFromPassphrase, parseShareString } from "../core/security/keys";
import { SECRET_KEY_BYTES } from "../core/security/peer-keys";
import { hexToBytes, sha256 } from "../core/security/primitives";
import { DEFAULT_PASSPHRASE, DEFAULT_SETTINGS, type PreferenceLike } from "./settings";
import { encodeUtf8 } from "./utf8";

export const SECURITY_DOMAIN = "s5sec";
export const SECURITY_KEYS = Object.freeze({ netKey: "netkey", nodeKey: "nodekey", counter: "ctr", counterCopy: "ctrb", counterLost: "ctrlost" });

/**
 * PBKDF2 of DEFAULT_PASSPHRASE with the default network name "system5": the one key a fresh
 * node would otherwise spend its first boot deriving. host-tests/node/app-security.test.ts derives
 * it again and compares.
 */
export const DEFAULT_NETWORK_KEY_HEX = "0249b30ede29b986bbe02ba096c3fd2ef31aabd1abd2cdf970b867783609e15c";

/** The boot's warning on the public default key (tests recognise it by this text). */
export const PUBLIC_KEY_WARNING = "warning: this network uses the public default key: anyone can read and join it; set key <passphrase> on every node of your network";

/** "share": a random key given as a share string (`key random`), used as it is. */
export type NetworkKeySource = "default" | "cached" | "derived" | "share";

export interface NetworkKeyResult {
  readonly key: Uint8Array;
  readonly source: NetworkKeySource;
  /** Whether the key is the public default one (the boot warns). */
  readonly isDefault: boolean;
  /** Problems worth a `warning:` line (a cache that could not be written or read). */
  readonly warnings: readonly string[];
}

/** v2 since the derivation changed (8192 iterations, salt "system5/v2/"): a v1 cache is derived again. */
const CACHE_LABEL = "system5/keycache/v2";
const CACHE_CHECK_BYTES = 8;
const NODE_KEY_CHECK_BYTES = 4;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function bytesOf(raw: unknown, length: number): Uint8Array | undefined {
  return raw instanceof ArrayBuffer && raw.byteLength === length ? new Uint8Array(raw) : undefined;
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** Check of a cached key: SHA-256(label ‖ len(pass) ‖ pass ‖ len(name) ‖ name ‖ key), 8 bytes. */
function cacheCheck(passphrase: Uint8Array, name: Uint8Array, key: Uint8Array): Uint8Array {
  return sha256(concatBytes(encodeUtf8(CACHE_LABEL), Uint8Array.of(passphrase.length), passphrase, Uint8Array.of(name.length), name, key)).subarray(0, CACHE_CHECK_BYTES);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * The network key for `passphrase` (undefined = the public default) and the network `name`:
 * the built-in default key, the cached one, or derived now (slow) and cached. Never throws on a
 * bad store; `onDerive` is called just before the slow derivation (the console says so).
 */
export function loadNetworkKey(
  store: PreferenceLike,
  passphrase: string | undefined,
  name: string,
  onDerive: () => void = () => {},
  domain = SECURITY_DOMAIN,
): NetworkKeyResult {
  const pass = passphrase ?? DEFAULT_PASSPHRASE;
  const isDefault = pass === DEFAULT_PASSPHRASE;
  if (isDefault && name === DEFAULT_SETTINGS.networkName) return { key: hexToBytes(DEFAULT_NETWORK_KEY_HEX), source: "default", isDefault, warnings: [] };
  if (looksLikeShareString(pass)) {
    const share = parseShareString(pass);
    // The setting was checked when it was set; a damaged store falls back to deriving from the text.
    if (share.ok) return { key: share.key, source: "share", isDefault: false, warnings: [] };
  }
  const passBytes = encodeUtf8(pass);
  const nameBytes = encodeUtf8(name);
  const warnings: string[] = [];
  try {
    const record = bytesOf(store.get(domain, SECURITY_KEYS.netKey), CACHE_CHECK_BYTES + NETWORK_KEY_BYTES);
    if (record !== undefined) {
      const key = record.slice(CACHE_CHECK_BYTES);
      if (sameBytes(record.subarray(0, CACHE_CHECK_BYTES), cacheCheck(passBytes, nameBytes, key))) return { key, source: "cached", isDefault, warnings };
    }
  } catch (e) {
    warnings.push(`network key cache unreadable (${errorText(e)}); deriving it again`);
  }
  onDerive();
  const key = networkKeyFromPassphrase(passBytes, nameBytes);
  try {
    store.set(domain, SECURITY_KEYS.netKey, buffer(concatBytes(cacheCheck(passBytes, nameBytes, key), key)));
  } catch (e) {
    warnings.push(`network key not cached (${errorText(e)}); it will be derived again at the next boot`);
  }
  return { key, source: "derived", isDefault, warnings };
}

export interface NodeKeyResult {
  readonly secretKey: Uint8Array;
  /** "stored": read from flash; "new": drawn now (first boot, or the old one was unreadable). */
  readonly source: "stored" | "new";
  readonly warnings: readonly string[];
}

function nodeKeyCheck(secret: Uint8Array): Uint8Array {
  return sha256(concatBytes(encodeUtf8("system5/nodekey/v1"), secret)).subarray(0, NODE_KEY_CHECK_BYTES);
}

/** The stored node key as it reads: its secret, or none (never stored), or why it is unusable. */
export type StoredNodeKey = { readonly secret: Uint8Array } | { readonly secret?: undefined; readonly problem: string | undefined };

/**
 * Reads this node's stored X25519 secret without drawing or writing anything (the boot reads it
 * to know the node's key id before the radio adds its noise to the entropy pool). Never throws.
 */
export function readNodeSecret(store: PreferenceLike, domain = SECURITY_DOMAIN): StoredNodeKey {
  try {
    const raw = store.get(domain, SECURITY_KEYS.nodeKey);
    const record = bytesOf(raw, SECRET_KEY_BYTES + NODE_KEY_CHECK_BYTES);
    if (record !== undefined) {
      const secret = record.slice(0, SECRET_KEY_BYTES);
      if (sameBytes(record.subarray(SECRET_KEY_BYTES), nodeKeyCheck(secret))) return { secret };
    }
    if (raw === undefined) return { problem: undefined };
    return { problem: `stored node key damaged (${raw instanceof ArrayBuffer ? `${raw.byteLength} bytes, check failed` : `a ${typeof raw}, not a key record`})` };
  } catch (e) {
    return { problem: `node key unreadable (${errorText(e)})` };
  }
}

/**
 * This node's X25519 secret: the stored one, or 32 fresh bytes from `random32`, stored. `usable`
 * refuses a key (where ids come from keys, one whose key id is reserved): another is drawn.
 */
export function loadNodeSecret(store: PreferenceLike, random32: () => number, domain = SECURITY_DOMAIN, usable: (secret: Uint8Array) => boolean = () => true): NodeKeyResult {
  const warnings: string[] = [];
  const stored = readNodeSecret(store, domain);
  if (stored.secret !== undefined && usable(stored.secret)) return { secretKey: stored.secret, source: "stored", warnings };
  const damaged = stored.secret !== undefined || stored.problem !== undefined;
  if (stored.secret !== undefined) warnings.push("stored node key gives a reserved node id (00000000 or ffffffff)");
  else if (stored.problem !== undefined && !stored.problem.startsWith("stored node key damaged")) warnings.push(stored.problem);
  let secret = new Uint8Array(SECRET_KEY_BYTES);
  for (let tries = 0; tries < 8; tries++) {
    secret = new Uint8Array(SECRET_KEY_BYTES);
    for (let i = 0; i < SECRET_KEY_BYTES; i += 4) writeU32LE(secret, i, random32() >>> 0);
    if (usable(secret)) break;
  }
  if (damaged) warnings.push("stored node key damaged: a new one was drawn; peers that pinned the old one will refuse it until they forget it");
  try {
    store.set(domain, SECURITY_KEYS.nodeKey, buffer(concatBytes(secret, nodeKeyCheck(secret))));
  } catch (e) {
    warnings.push(`node key not stored (${errorText(e)}): a new one at every boot, so peers will refuse it as a key conflict`);
  }
  return { secretKey: secret, source: "new", warnings };
}

const COUNTER_RECORD_BYTES = 12;

function counterRecord(mark: number): ArrayBuffer {
  const b = new Uint8Array(COUNTER_RECORD_BYTES);
  writeU32LE(b, 0, mark);
  writeU32LE(b, 4, ~mark >>> 0);
  writeU32LE(b, 8, readU32LE(sha256(b.subarray(0, 8)), 0));
  return b.buffer as ArrayBuffer;
}

/** The mark in a record, undefined when it is not a valid one. */
function markOf(raw: unknown): number | undefined {
  const b = bytesOf(raw, COUNTER_RECORD_BYTES);
  if (b === undefined) return undefined;
  const mark = readU32LE(b, 0);
  if (readU32LE(b, 4) !== (~mark >>> 0) || readU32LE(b, 8) !== readU32LE(sha256(b.subarray(0, 8)), 0)) return undefined;
  return mark;
}

/**
 * The frame counter's CounterStore in Preference, two copies (see the top of this file).
 * `netId` is the public id of the network key in use, for the lost-mark rule.
 */
export class PreferenceCounterStore implements CounterStore {
  readonly #store: PreferenceLike;
  readonly #domain: string;
  readonly #netId: number;
  /** Why the mark could not be loaded (the boot prints it as an error), undefined when fine. */
  problem: string | undefined;
  /** Non-fatal findings of the last load (one copy damaged, a fresh start under a new key). */
  readonly notes: string[] = [];
  saves = 0;
  /** The lost-mark marker is cleared at the first save under the new key. */
  #clearLost = false;

  constructor(store: PreferenceLike, netId: number, domain = SECURITY_DOMAIN) {
    this.#store = store;
    this.#netId = netId >>> 0;
    this.#domain = domain;
  }

  load(): number | undefined {
    const s = this.#store;
    const d = this.#domain;
    let rawA: unknown;
    let rawB: unknown;
    try {
      rawA = s.get(d, SECURITY_KEYS.counter);
      rawB = s.get(d, SECURITY_KEYS.counterCopy);
    } catch (e) {
      // Not "lost": the store may read again next boot. Refuse for now.
      return this.#refuse(`frame counter store unreadable (${errorText(e)})`);
    }
    const a = markOf(rawA);
    const b = markOf(rawB);
    if (a !== undefined || b !== undefined) {
      if (a === undefined || b === undefined) this.notes.push(`one copy of the frame counter mark was damaged; resuming from the other (${a ?? b})`);
      return Math.max(a ?? 0, b ?? 0);
    }
    if (rawA === undefined && rawB === undefined) return undefined; // never sealed a frame
    // Both copies exist and neither is readable: the mark is lost.
    let lostUnder: number | undefined;
    try {
      const lost = bytesOf(s.get(d, SECURITY_KEYS.counterLost), 4);
      lostUnder = lost === undefined ? undefined : readU32LE(lost, 0);
    } catch {
      lostUnder = undefined;
    }
    if (lostUnder !== undefined && lostUnder !== this.#netId) {
      // The user changed the network key since the mark was lost: a fresh counter under it.
      this.notes.push("frame counter restarted at 0 under the new network key (the old mark was lost)");
      this.#clearLost = true;
      return 0;
    }
    try {
      const marker = new Uint8Array(4);
      writeU32LE(marker, 0, this.#netId);
      s.set(d, SECURITY_KEYS.counterLost, marker.buffer as ArrayBuffer);
    } catch {
      // Without the marker a new key cannot be told from the old one: still refusing is safe.
    }
    return this.#refuse(
      `frame counter mark damaged in both copies: this node will not transmit under this network key (a guessed counter could reuse nonces); set key <a passphrase this network never used> on every node, then reboot`,
    );
  }

  save(reservedUpTo: number): void {
    const record = counterRecord(reservedUpTo);
    // Throws on failure: the FrameCounter then refuses to issue (nothing unpersisted goes out).
    this.#store.set(this.#domain, SECURITY_KEYS.counter, record);
    this.#store.set(this.#domain, SECURITY_KEYS.counterCopy, record);
    this.saves++;
    if (this.#clearLost) {
      this.#clearLost = false;
      try {
        this.#store.delete(this.#domain, SECURITY_KEYS.counterLost);
      } catch {
        // A stale marker only matters once both copies are damaged again.
      }
    }
  }

  #refuse(why: string): never {
    this.problem = why;
    throw new Error(why);
  }
}
Object.freeze(PreferenceCounterStore.prototype);

/** Short display of a network id. */
export function netIdText(netId: number): string {
  return toHex(Uint8Array.of(netId >>> 24, (netId >>> 16) & 0xff, (netId >>> 8) & 0xff, netId & 0xff));
}
