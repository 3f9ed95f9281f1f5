// Node ids from node keys on the device (docs/security.md §7.3): a node's id is the key id of its
// X25519 public key, so anyone can check with one hash that a key offered for an id is that
// node's, and the core runs with idBinding "required". The key is drawn once (first boot, after
// the radio's noise is in the entropy pool) and kept in flash (src/app/security.ts), so the id
// stays the same across reboots; `reset node-key` draws a new key and with it a new id.
//
// Devices upgraded from firmware whose ids came from the user (`set node`), the MAC or a stored
// random id keep their key (and so their pins and their peers' pins); their id changes to the key
// id. The first boot under key ids records the former id in the settings domain (`formerid`: the
// id and where it came from), moves a user-set id there (nothing the user typed is lost), and
// says so on the console once.
import { keyIdOf } from "../core/security/key-id";
import { x25519 } from "../core/security/x25519";
import { formatNodeId, isUnicastId } from "../core/station";
import { parseNodeId } from "./node-id";
import { AUTO_ID_KEY, FORMER_ID_KEY, SETTINGS_DOMAIN, type NodeIdentity, type PreferenceLike } from "./settings";

/** The node id a secret key gives (its public key's key id; may be reserved, see usableNodeKey). */
export function keyIdOfSecret(secret: Uint8Array): number {
  return keyIdOf(x25519.getPublicKey(secret));
}

/** Whether a secret can be a node's key where ids come from keys (its key id is not 0 or ffffffff). */
export function usableNodeKey(secret: Uint8Array): boolean {
  return isUnicastId(keyIdOfSecret(secret));
}

/** The identity of a node whose id is its key id. */
export function identityOfKey(secret: Uint8Array): NodeIdentity {
  return { id: keyIdOfSecret(secret), source: "key" };
}

/** The id a node had before ids came from keys, as the old firmware chose it. */
export interface FormerIdentity {
  /** The id set by the user (`set node`), if any. */
  readonly settingId: number | undefined;
  /** The MAC-derived id, if the MAC reads. */
  readonly macId: number | undefined;
  /** Whether this node ran before: a node key record was found (a user-set or stored random id also tells). */
  readonly ranBefore: boolean;
}

/**
 * Records, once, the id this node had before its id came from its key, and returns the console
 * note saying what changed (undefined when there is nothing to say: a new node, or the note was
 * given at an earlier boot). A user-set id is moved into the record and out of the settings,
 * since it no longer applies. Never throws: a store that cannot be written gives a warning and
 * the note again at the next boot.
 */
export function recordFormerId(store: PreferenceLike, current: NodeIdentity, former: FormerIdentity, domain = SETTINGS_DOMAIN): string | undefined {
  let autoId: number | undefined;
  try {
    if (store.get(domain, FORMER_ID_KEY) !== undefined) return undefined;
    const raw = store.get(domain, AUTO_ID_KEY);
    const parsed = typeof raw === "string" ? parseNodeId(raw) : undefined;
    autoId = parsed?.ok === true ? parsed.id : undefined;
  } catch (e) {
    return `warning: node id record unreadable (${e instanceof Error ? e.message : String(e)}); this node's id is ${formatNodeId(current.id)}, from its node key`;
  }
  const old =
    former.settingId !== undefined
      ? { id: former.settingId, source: "set by you" }
      : former.macId !== undefined
        ? { id: former.macId, source: "from the MAC" }
        : autoId !== undefined
          ? { id: autoId, source: "drawn at random" }
          : undefined;
  // A node that never ran under another id is recorded as such, so no later boot takes its MAC id for a former one.
  const isNew = old === undefined || !(former.ranBefore || former.settingId !== undefined || autoId !== undefined);
  try {
    store.set(domain, FORMER_ID_KEY, old === undefined || isNew ? "none" : `${formatNodeId(old.id)} ${old.source}`);
    if (former.settingId !== undefined) store.delete(domain, "node");
  } catch (e) {
    const formerly = old === undefined || isNew ? "" : ` (formerly ${formatNodeId(old.id)}, ${old.source})`;
    return `warning: node id change not recorded (${e instanceof Error ? e.message : String(e)}); this node's id is ${formatNodeId(current.id)}, from its node key${formerly}`;
  }
  if (old === undefined || isNew || old.id === current.id) return undefined;
  return `note: node ids now come from node keys (docs/security.md §7.3): this node, formerly ${formatNodeId(old.id)} (${old.source}), is now ${formatNodeId(current.id)}. Its key and the keys it pinned are kept; peers reach it under the new id. Private messages with nodes still on older firmware fail until they are upgraded too.`;
}
