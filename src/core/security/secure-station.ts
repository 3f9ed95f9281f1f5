// SecureStation: the security layer as a Station decorator (docs/security.md §8). It wraps any
// Station (the MeshNode) and stands between it and the radio:
//   - pollTransmit seals each frame the inner station wants on the air (frame-seal.ts) under
//     this node's frame counter; a frame that cannot be sealed is dropped and reported;
//   - receive opens each frame and passes the inner bytes on only when the tag verifies and the
//     replay window accepts the counter; everything else is counted and dropped;
//   - KEY frames (type 7) are its own: it announces its X25519 key at boot and when asked;
//   - send() wraps application payloads in the envelope of dm-seal.ts, sealing private ones
//     end to end; delivered events are unwrapped (and DMs decrypted) before the app sees them.
// The inner node must be built with frameOverheadBytes = SEAL_OVERHEAD_BYTES so its frames,
// payload limits and airtime accounting leave room for the seal.
//
// This class is the façade that dispatches frames, events and timers to the concerns, which share
// one SecureState (secure-state.ts): the sealed air (sealed-air.ts), KEY frames
// (key-announce.ts), first contact (first-contact.ts) and private messages (private-messages.ts).
import { sameBytes } from "./bytes";
import type { LoRaModulation } from "../airtime";
import { MAX_BCAST_PAYLOAD, MAX_UNICAST_PAYLOAD } from "../frames";
import { PRESETS } from "../presets";
import { BROADCAST, type NodeId, type RxMeta, type SendOptions, type SendResult, type Station, type StationEvent, type TxFrame } from "../station";
import { readU32LE } from "./bytes";
import { KEY_MESSAGE_BYTES, KEYED_PLAIN_OVERHEAD_BYTES, PayloadKind, PLAIN_OVERHEAD_BYTES, keyedPlainEnvelope, plainEnvelope } from "./dm-seal";
import type { CounterStore } from "./frame-counter";
import type { ContactResult } from "./contacts";
import { KEY_FRAME_TYPE, SEAL_OVERHEAD_BYTES } from "./frame-seal";
import { FirstContact } from "./first-contact";
import { KeyAnnouncer } from "./key-announce";
import type { PeerStore } from "./peer-keys";
import { PrivateMessages, type SecureDelivered } from "./private-messages";
import { SealedAir } from "./sealed-air";
import { SecureBridge } from "./secure-bridge";
import { SecureState, type SecurityStats } from "./secure-state";

export type { SecureDelivered } from "./private-messages";
export type { SecurityStats } from "./secure-state";

export interface SecureStationOptions {
  readonly inner: Station;
  /** The 32-byte network key (keys.ts). */
  readonly networkKey: Uint8Array;
  /** Where the frame counter's reserved mark persists (Preference on the device). */
  readonly counterStore: CounterStore;
  readonly counterBlock?: number;
  /** This node's 32-byte X25519 secret key; without it the node cannot send or read DMs. */
  readonly nodeSecretKey?: Uint8Array;
  readonly now: number;
  /** Senders tracked by the replay window (default 64: above the device's 24 neighbours). */
  readonly maxSenders?: number;
  readonly maxPeers?: number;
  /** Where the keys of peers talked to, and their DM marks, persist (flash on the device; §13.2). */
  readonly peerStore?: PeerStore;
  /** The radio's modulation, for the airtime of key traffic (default LONG_FAST, the slowest common preset). */
  readonly modem?: LoRaModulation;
  /** The inner node's relay contention exponent (its `config.floodContentionCw`), for the key service's waits on a flood (default DEFAULT_CONFIG's). */
  readonly floodContentionCw?: number;
  /** Share of every hour this node may spend on KEY frames and key messages (default 0.005). */
  readonly keyAirtimeShare?: number;
  /** X25519 computations a minute for keys from ids not pinned yet (default 6). */
  readonly newKeysPerMinute?: number;
  /** A neighbour (or peer) asking for our key again within this is not answered again (default 60 s). */
  readonly keyAnswerPerPeerMs?: number;
  /** DMs held while their peer's key is being fetched (default 8). */
  readonly maxPendingDms?: number;
  /** How long a DM waits for its peer's key before it fails (default 120 s). */
  readonly keyWaitMs?: number;
  /** Interval between key requests to a peer that has not answered (default 30 s). */
  readonly keyRetryMs?: number;
  /** Rule `keyAskAfterMinute` (default true): the second key request at keyAnswerPerPeerMs (60 s), not keyRetryMs; the third keeps its time (docs/security.md §8). */
  readonly keyAskAfterMinute?: boolean;
  /** Rule `keyAnswerAtMinuteEnd` (default false: kept behind its flag, docs/security.md §8): a key request inside the asker's minute is answered when the minute ends, if within 20 s (docs/security.md §8). */
  readonly keyAnswerAtMinuteEnd?: boolean;
  /** A KEY frame answers requests at most this often (default 10 s): one answer serves every asker. */
  readonly keyAnswerIntervalMs?: number;
  /**
   * Interval between tries of a key request, key answer or DM that the inner station refused for
   * now (no neighbour yet, queue full, QoS gate; default 2 s). Each is tried until it goes out or
   * its deadline (keyWaitMs) passes.
   */
  readonly refusedRetryMs?: number;
  /**
   * "required": a key is learned only when it is bound to its id (key-id.ts; the simulator's
   * key-derived ids), which closes first contact to impostors short of grinding a key
   * (docs/security.md §7.3). "optional" (default, for ids set by hand or from a MAC): a bound
   * key is taken from anyone, an unbound one only from its owner's own messages, first use (TOFU).
   */
  readonly idBinding?: "required" | "optional";
  /** Bound keys held for cache answers and for DMs without a key request (default 128). */
  readonly keyCacheSize?: number;
  /**
   * A bound node puts its key on its first broadcast and then on at most one broadcast per this
   * interval (default 1 h; 0 never), so the nodes it reaches can write to it without a key request.
   */
  readonly keyOnBroadcastMs?: number;
  /** Rule `lookupCarriesKey` (docs/security.md §8 rule 5; default on): no key on a broadcast while the inner node's lookups run. */
  readonly lookupCarriesKey?: boolean;
  /**
   * The user's contacts (docs/security.md §8, "Contacts"): peers' keys from outside the air (a QR
   * code, an earlier exchange). Each must be bound to its id; a refused one is counted
   * (`contactsRefused`) and reported as a `log` warning. A DM to a contact goes without a key request.
   */
  readonly contacts?: readonly ContactEntry[];
  /** Contacts held at most (default DEFAULT_MAX_CONTACTS, 256); more are refused, not evicted. */
  readonly maxContacts?: number;
}

/** How the `log` warning on a refused contact begins (a host that shows refusals itself may skip it). */
export const CONTACT_REFUSED_LOG = "security: contact refused:";

/** One contact: its id, its public key, and whether it holds ours too (exchanged both ways). */
export interface ContactEntry {
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
  readonly holdsOurs?: boolean;
}

export interface SecureSendOptions extends SendOptions {
  /** Seal end to end with the destination's key (unicast only). */
  readonly private?: boolean;
}

export class SecureStation implements Station {
  readonly id: NodeId;
  readonly inner: Station;
  /** The inner station's bridge, sealed and opened as the air is (secure-bridge.ts); gateways only. */
  readonly bridge: SecureBridge | undefined;
  readonly #s: SecureState;
  readonly #air: SealedAir;
  readonly #announce: KeyAnnouncer;
  readonly #contact: FirstContact;
  readonly #dms: PrivateMessages;
  /** Who supplied the frame last returned by pollTransmit. */
  #lastFrom: "inner" | "key" | undefined;

  constructor(o: SecureStationOptions) {
    this.inner = o.inner;
    this.id = o.inner.id;
    const s = new SecureState(o);
    this.#s = s;
    const modem = o.modem ?? PRESETS.LONG_FAST;
    s.air = this.#air = new SealedAir(s, o.maxSenders);
    s.dms = this.#dms = new PrivateMessages(s, o.maxPeers, o.maxPendingDms);
    s.contact = this.#contact = new FirstContact(s, { modem, keyAnswerPerPeerMs: o.keyAnswerPerPeerMs, keyRetryMs: o.keyRetryMs, keyAskAfterMinute: o.keyAskAfterMinute, keyAnswerAtMinuteEnd: o.keyAnswerAtMinuteEnd, keyOnBroadcastMs: o.keyOnBroadcastMs, lookupCarriesKey: o.lookupCarriesKey, floodContentionCw: o.floodContentionCw });
    s.announce = this.#announce = new KeyAnnouncer(s, modem, o.keyAnswerIntervalMs, o.now);
    const air = this.#air;
    this.bridge =
      o.inner.bridge === undefined
        ? undefined
        : new SecureBridge(o.inner.bridge, {
            self: this.id,
            seal: (inner, now) => air.seal(inner, now),
            open: (bytes) => air.openBridged(bytes),
            admit: (tx, counter) => air.admitBridged(tx, counter),
          });
    // A contact list from settings is input like a frame: a list that is not one, or an entry
    // that is not an object, is refused and counted as malformed, never thrown.
    const contacts: unknown = o.contacts;
    if (contacts !== undefined && !Array.isArray(contacts)) this.#refuseContact(o.now, "the contacts are not a list");
    for (const c of Array.isArray(contacts) ? (contacts as unknown[]) : []) {
      if (typeof c !== "object" || c === null) this.#refuseContact(o.now, "a contact is not an entry of id and key");
      else {
        const e = c as { id?: unknown; publicKey?: unknown; holdsOurs?: unknown };
        this.addContact(o.now, e.id as NodeId, e.publicKey as Uint8Array, e.holdsOurs === true);
      }
    }
  }

  /**
   * Gives the node a contact's key (docs/security.md §8, "Contacts"). Never throws: a key not bound
   * to `id`, a malformed entry, a second key for a contact or a full book is refused, counted and
   * reported as a `log` warning with the reason.
   */
  addContact(now: number, id: NodeId, publicKey: Uint8Array, holdsOurs = false): ContactResult {
    const s = this.#s;
    // A key this node already holds for `id` (learnt on the air, or pinned) and that differs from
    // the contact's is a conflict the user must see: the held key is the one DMs would use, so the
    // contact would be silently shadowed (an impostor's earlier key among them). `reset peer` first.
    const held = Number.isInteger(id) ? s.peers?.publicKeyOf(id >>> 0) : undefined;
    const r = held !== undefined && publicKey instanceof Uint8Array && !sameBytes(held, publicKey)
      ? s.contacts.refuse("conflict", `${(id >>> 0).toString(16).padStart(8, "0")} already has another key on this node (learnt on the air or pinned): reset that peer first`)
      : s.contacts.add(id, publicKey, holdsOurs);
    if (!r.ok) {
      s.stats.contactsRefused++;
      s.events.push({ type: "log", at: now, level: "warn", text: `${CONTACT_REFUSED_LOG} ${r.reason}` });
    } else if (r.added && s.dms.waitsOnKey(id >>> 0)) {
      // DMs queued for this peer, or held from it, go (or open) now, not at the next key request.
      this.#contact.keyFromContacts(id >>> 0, now);
    }
    return r;
  }

  #refuseContact(now: number, reason: string): void {
    const s = this.#s;
    s.contacts.refuse("malformed", reason);
    s.stats.contactsRefused++;
    s.events.push({ type: "log", at: now, level: "warn", text: `${CONTACT_REFUSED_LOG} ${reason}` });
  }

  removeContact(id: NodeId): boolean {
    return this.#s.contacts.remove(id);
  }

  get contactCount(): number {
    return this.#s.contacts.size;
  }

  /** The contacts held (copies of their keys), in the order given (at construction, then added): the host's `contact list`. */
  contactList(): ContactEntry[] {
    return this.#s.contacts.list();
  }

  /** Contacts held at most (`maxContacts`). */
  get maxContacts(): number {
    return this.#s.contacts.max;
  }

  get stats(): Readonly<SecurityStats> {
    return this.#s.stats;
  }

  /** This node's X25519 public key and its fingerprint (undefined without a node key). */
  get publicKey(): Uint8Array | undefined {
    return this.#s.peers?.publicKey;
  }

  fingerprintOf(id: NodeId): string | undefined {
    return this.#s.fingerprintOf(id);
  }

  /** Forgets the key pinned for `id` (TOFU undone by the user, docs/security.md §11 step 4). */
  forgetPeer(id: NodeId): boolean {
    return this.#s.peers?.forget(id >>> 0) ?? false;
  }

  knowsKeyOf(id: NodeId): boolean {
    return this.#s.peers?.has(id) ?? false;
  }

  /** The 32-bit public id of the network key. */
  get netId(): number {
    return this.#s.keys.netId;
  }

  // --- sending -------------------------------------------------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions = {}): SendResult {
    if (options.private === true) return this.#dms.send(now, dst, payload, options);
    const max = (dst === BROADCAST ? MAX_BCAST_PAYLOAD : MAX_UNICAST_PAYLOAD) - SEAL_OVERHEAD_BYTES - PLAIN_OVERHEAD_BYTES;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `payload is ${payload.length} bytes; at most ${max} fit a sealed frame` };
    // Our key rides on a broadcast at most once per keyOnBroadcastMs, when it fits (§8).
    const key = this.#contact.broadcastKey(now, dst, payload.length, max);
    if (key === undefined) return this.#s.innerSend(now, dst, plainEnvelope(payload), options, undefined);
    const r = this.#s.innerSend(now, dst, keyedPlainEnvelope(key, payload), options, undefined);
    if (r.ok) this.#contact.keyedBroadcastSent(now);
    return r;
  }

  tick(now: number): void {
    this.#s.reportStoreProblems(now);
    this.inner.tick(now);
    this.#dms.tick(now);
    this.#contact.retryKeyMessages(now);
    this.#contact.sendDueOffers(now);
    this.#contact.sendLateAnswers(now);
    this.#dms.dropStaleHeld(now);
  }

  nextWakeup(): number {
    let t = this.inner.nextWakeup();
    // While a frame is on the air the radio is taken: a waiting KEY frame is no reason to wake.
    if (this.#lastFrom === undefined) t = this.#announce.wakeup(t);
    t = this.#dms.wakeup(t);
    return this.#contact.wakeup(t);
  }

  // --- events --------------------------------------------------------------------------------

  drainEvents(): StationEvent[] {
    for (const e of this.inner.drainEvents()) this.#onInnerEvent(e);
    const out = this.#s.events;
    this.#s.events = [];
    return out;
  }

  #onInnerEvent(e: StationEvent): void {
    const s = this.#s;
    if (e.type === "delivered") return this.#onDelivered(e);
    if (e.type === "acked" || e.type === "send-failed") {
      const key = `${e.dst}:${e.seq}`;
      const kind = s.internal.get(key);
      if (kind !== undefined) {
        s.internal.delete(key);
        if (e.type === "send-failed") this.#contact.onKeyMessageLost(e.dst, kind, e.at);
        return;
      }
      const appSeq = s.seqMap.get(key);
      if (appSeq === undefined) return void s.events.push(e);
      // Kept after send-failed (bounded): an ACK that comes later still names the app's message.
      if (e.type === "acked") s.seqMap.delete(key);
      return void s.events.push({ ...e, seq: appSeq });
    }
    s.events.push(e);
  }

  #onDelivered(e: Extract<StationEvent, { type: "delivered" }>): void {
    const s = this.#s;
    const p = e.payload;
    const kind = p.length > 0 ? p[0] : -1;
    const forUs = e.dst === this.id && s.peers !== undefined;
    if (kind === PayloadKind.PLAIN) {
      s.events.push({ ...e, payload: p.slice(1), private: false } as SecureDelivered);
    } else if (kind === PayloadKind.KEYED_PLAIN && p.length >= KEYED_PLAIN_OVERHEAD_BYTES) {
      this.#contact.cacheKey(e.src, p.subarray(1, KEYED_PLAIN_OVERHEAD_BYTES), e.at);
      s.events.push({ ...e, payload: p.slice(KEYED_PLAIN_OVERHEAD_BYTES), private: false } as SecureDelivered);
    } else if (kind === PayloadKind.DM && forUs) this.#dms.onDm(e);
    else if (kind === PayloadKind.KEYED_DM && forUs) this.#dms.onKeyedDm(e);
    else if (kind === PayloadKind.KEY_OFFER && forUs) this.#contact.onKeyOffer(e);
    else if ((kind === PayloadKind.KEY_REQUEST || kind === PayloadKind.KEY_ANSWER || kind === PayloadKind.KEY_NOTICE) && p.length === KEY_MESSAGE_BYTES && e.dst === this.id) {
      this.#contact.onKeyMessage(e, kind);
    } else s.stats.badEnvelope++;
  }

  // --- the radio side ------------------------------------------------------------------------

  pollTransmit(now: number): TxFrame | undefined {
    const key = this.#announce.poll(now);
    if (key !== undefined) {
      this.#lastFrom = "key";
      return key;
    }
    const f = this.inner.pollTransmit(now);
    if (f === undefined) return undefined;
    this.#lastFrom = "inner";
    const sealed = this.#air.sealInner(f, now);
    if (sealed === undefined) {
      // The frame cannot go out: to the inner node it is as if lost on the air.
      this.#lastFrom = undefined;
      this.inner.transmitDone(now, "sent");
    }
    return sealed;
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    const from = this.#lastFrom;
    this.#lastFrom = undefined;
    if (from === "key") {
      if (outcome === "sent") this.#announce.sent(now);
      return;
    }
    if (from !== "inner") return;
    if (outcome === "sent") this.#air.innerSent(now);
    this.inner.transmitDone(now, outcome);
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const inner = this.#air.open(bytes, meta.at);
    if (inner === undefined) return;
    if ((inner[0] & 15) === KEY_FRAME_TYPE) this.#announce.onKeyFrame(inner, meta.at);
    else this.inner.receive(this.#contact.onHeard(inner, meta.at), meta);
  }
}

/** The counter a sealed frame carries (for tests and tools: bytes 5..8, little-endian). */
export function sealedCounter(bytes: Uint8Array): number | undefined {
  return bytes.length >= 9 ? readU32LE(bytes, 5) : undefined;
}
