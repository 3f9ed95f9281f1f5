// The state every concern of the security layer shares (docs/security.md §8), and its counters.
// SecureStation (secure-station.ts) is the Station façade over these concerns: the sealed air
// (sealed-air.ts), KEY frames (key-announce.ts), first contact (first-contact.ts) and private
// messages (private-messages.ts).
import type { NodeId, SendOptions, SendResult, Station, StationEvent } from "../station";
import type { FirstContact } from "./first-contact";
import type { KeyAnnouncer } from "./key-announce";
import type { PayloadKind } from "./dm-seal";
import type { PrivateMessages } from "./private-messages";
import type { SealedAir } from "./sealed-air";
import { FrameCounter, type CounterStore } from "./frame-counter";
import { KeyAirtimeBudget, WorkBudget } from "./key-budget";
import { ContactBook } from "./contacts";
import { KeyCache } from "./key-cache";
import { isBoundKey } from "./key-id";
import { networkKeys, type NetworkKeys } from "./keys";
import { OwnCounters } from "./own-counters";
import { PeerKeys, fingerprint, type PeerStore } from "./peer-keys";
import { setNewest } from "../bounded";

export interface SecurityStats {
  sealed: number;
  sealFailed: number;
  opened: number;
  truncated: number;
  oversized: number;
  badHeader: number;
  badTag: number;
  replayed: number;
  tooOld: number;
  /** Frames whose counter was far from every counter tracked for their sender: a tentative new track (§6.1). */
  counterJumps: number;
  /** Frames carrying this node's own id as tx: reflections of its own transmissions. */
  ownFrame: number;
  /** Frames sealed under this node's id by another transmitter: a duplicate id or an impostor (§13.5). */
  duplicateId: number;
  keyFramesSent: number;
  /** KEY frames held back because the node's duty-cycle plan did not allow them yet. */
  keyFramesDeferred: number;
  keysLearned: number;
  /** A different key announced for a pinned peer (refused, TOFU). */
  keyConflicts: number;
  /** Keys from new ids not learned because the X25519 budget was spent (§13.4). */
  keysDeferred: number;
  /** Key requests not answered: the asker was answered recently, or key traffic is at its airtime share. */
  keyRequestsIgnored: number;
  badKeys: number;
  dmSent: number;
  dmReceived: number;
  /** DMs whose end-to-end tag failed, or that replayed an earlier DM. */
  dmRejected: number;
  dmQueued: number;
  dmFailed: number;
  /** Delivered payloads without a valid envelope. */
  badEnvelope: number;
  /** KEY_ANSWERs the inner station refused at first (no route back yet) and sent on a later try. */
  keyAnswersRetried: number;
  /** KEY_ANSWERs given up: refused for good, still refused at their deadline, or pushed out by newer ones. */
  keyAnswersDropped: number;
  /** Key requests the inner station refused at first and sent on a later try. */
  keyRequestsRetried: number;
  /** Key requests for held DMs given up (as keyAnswersDropped); a pending DM's request is retried until the DM fails. */
  keyRequestsDropped: number;
  /** DMs the inner station refused once their key had come, sent on a later try. */
  dmRetried: number;
  /** Routed key requests handed to the inner station (each carried end to end with ACK and retry). */
  keyRequestsSent: number;
  /** Routed key answers handed to the inner station. */
  keyAnswersSent: number;
  /** Key requests the inner station gave up on (no end-to-end ACK after its retries, or no route). */
  keyRequestsLost: number;
  /** Key answers the inner station gave up on. */
  keyAnswersLost: number;
  /** Key requests not answered because key traffic was at its airtime share (part of keyRequestsIgnored). */
  keyRequestsOverBudget: number;
  /** Key requests inside an asker's minute answered when the minute ends instead (rule `keyAnswerAtMinuteEnd`), and those called off because the asker showed it held our key. */
  keyAnswersLate: number;
  keyAnswersLateSpared: number;
  /** Key requests not asked again because their answer could not come back before the DMs waiting for it give up (rule `keyAskInTime`). */
  keyRequestsTooLate: number;
  /** DMs sent once their peer's key came, and the total time they waited for it, ms. */
  dmReleased: number;
  dmKeyWaitMs: number;
  /** DMs that failed because no key came within keyWaitMs (part of dmFailed). */
  dmNoKey: number;
  /** Key requests this node answered from its cache while relaying them (KEY_OFFERs sent). */
  cacheAnswers: number;
  /** Cache offers to a flooded key request called off because another offer or the owner's answer was heard first (rule `quietCacheOffer`). */
  cacheOffersSuppressed: number;
  /** KEY_OFFERs received that gave this node a key it did not hold. */
  keyOffersTaken: number;
  /** DMs whose peer key came from this node's cache of bound keys, with no request at all. */
  keysFromCache: number;
  /** DMs sent with this node's key in front (KEYED_DM), and received so. */
  keyedDmSent: number;
  keyedDmReceived: number;
  /** Broadcasts sent with this node's key on them (KEYED_PLAIN). */
  keyedBroadcasts: number;
  /** Broadcasts that would have carried our key and went without it (rule `lookupCarriesKey`). */
  broadcastKeysSpared: number;
  /** Location answers sent with the target's key on them, and received so (bound keys cached). */
  keyedLocateSent: number;
  keyedLocateReceived: number;
  /** Location answers sent without the key because the duty-cycle plan had no room for its bytes. */
  keyedLocateDeferred: number;
  /** Keys refused because they are not bound to their id where binding is required (or a third party offered them). */
  unboundKeys: number;
  /** DMs whose peer key came from the user's contacts (contacts.ts), with no request at all. */
  keysFromContacts: number;
  /** Contacts the host gave that were refused (unbound, malformed, a second key, the book full). */
  contactsRefused: number;
}

function emptySecurityStats(): SecurityStats {
  return {
    sealed: 0, sealFailed: 0, opened: 0, truncated: 0, oversized: 0, badHeader: 0, badTag: 0, replayed: 0, tooOld: 0, counterJumps: 0, ownFrame: 0, duplicateId: 0,
    keyFramesSent: 0, keyFramesDeferred: 0, keysLearned: 0, keyConflicts: 0, keysDeferred: 0, keyRequestsIgnored: 0, badKeys: 0, dmSent: 0, dmReceived: 0, dmRejected: 0, dmQueued: 0, dmFailed: 0, badEnvelope: 0,
    keyAnswersRetried: 0, keyAnswersDropped: 0, keyRequestsRetried: 0, keyRequestsDropped: 0, dmRetried: 0,
    keyRequestsSent: 0, keyAnswersSent: 0, keyRequestsLost: 0, keyAnswersLost: 0, keyRequestsOverBudget: 0, keyRequestsTooLate: 0, keyAnswersLate: 0, keyAnswersLateSpared: 0, dmReleased: 0, dmKeyWaitMs: 0,
    dmNoKey: 0, cacheAnswers: 0, cacheOffersSuppressed: 0, keyOffersTaken: 0, keysFromCache: 0, keyedDmSent: 0, keyedDmReceived: 0, keyedBroadcasts: 0, broadcastKeysSpared: 0, keyedLocateSent: 0, keyedLocateReceived: 0, keyedLocateDeferred: 0, unboundKeys: 0,
    keysFromContacts: 0, contactsRefused: 0,
  };
}

/** The routed key messages this layer sends itself. */
export type KeyMessageKind = typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER | typeof PayloadKind.KEY_OFFER;

/** Entries kept in each bookkeeping map (sequence numbers, answers, asks), oldest out first. */
export const MAX_SEQ_MAP = 64;

/** Whether a refusal may pass (no neighbour or route yet, a full queue, the QoS gate, the duty cycle). */
export function retriable(code: string): boolean {
  return code !== "too-large" && code !== "bad-destination" && code !== "bad-priority";
}

/** What the shared state is built from (the part of SecureStationOptions it reads). */
export interface SecureStateOptions {
  readonly inner: Station;
  readonly networkKey: Uint8Array;
  readonly counterStore: CounterStore;
  readonly counterBlock?: number;
  readonly nodeSecretKey?: Uint8Array;
  readonly maxPeers?: number;
  readonly peerStore?: PeerStore;
  readonly newKeysPerMinute?: number;
  readonly keyAirtimeShare?: number;
  readonly idBinding?: "required" | "optional";
  readonly keyCacheSize?: number;
  readonly maxContacts?: number;
  readonly keyWaitMs?: number;
  readonly refusedRetryMs?: number;
}

export class SecureState {
  readonly id: NodeId;
  readonly inner: Station;
  readonly keys: NetworkKeys;
  readonly counter: FrameCounter;
  /** The counters and tags of the frames this node sealed last (duplicate ids, §13.5). */
  readonly own = new OwnCounters();
  /** This node's key pair and the peers' keys; undefined without a node secret key (no DMs). */
  readonly peers: PeerKeys | undefined;
  readonly stats: SecurityStats = emptySecurityStats();
  /** Events for the app, drained by the façade. */
  events: StationEvent[] = [];
  /** Airtime of KEY frames and key messages against their share of the hour (§13.4). */
  readonly keyBudget: KeyAirtimeBudget;
  readonly bindingRequired: boolean;
  readonly cache: KeyCache;
  /** The user's contacts: keys given by the host, bound to their ids (contacts.ts). */
  readonly contacts: ContactBook;
  /** Whether our own key is bound to our id (only then do others take it from a broadcast). */
  readonly selfBound: boolean;
  /** Peers known to hold our key (they answered us, wrote to us, or took our key from a cache): DMs to them go without it. */
  readonly knowsUs = new Map<NodeId, true>();
  /** Application sequence numbers: the inner node's (dst, seq) of each app send → the seq the app was given. */
  readonly seqMap = new Map<string, number>();
  /** Inner (dst, seq) of the key messages this layer sent itself → their kind: their events are not the app's. */
  readonly internal = new Map<string, KeyMessageKind>();
  readonly keyWaitMs: number;
  readonly retryMs: number;
  #appSeq = 0;
  // The concerns, set by the façade right after this state is built.
  air!: SealedAir;
  announce!: KeyAnnouncer;
  contact!: FirstContact;
  dms!: PrivateMessages;

  constructor(o: SecureStateOptions) {
    this.inner = o.inner;
    this.id = o.inner.id;
    this.keys = networkKeys(o.networkKey);
    this.counter = new FrameCounter(o.counterStore, o.counterBlock);
    this.peers =
      o.nodeSecretKey === undefined
        ? undefined
        : new PeerKeys(this.id, o.nodeSecretKey, { maxPeers: o.maxPeers, store: o.peerStore, budget: new WorkBudget(o.newKeysPerMinute) });
    this.keyBudget = new KeyAirtimeBudget(o.keyAirtimeShare);
    this.bindingRequired = o.idBinding === "required";
    this.cache = new KeyCache(o.keyCacheSize);
    this.contacts = new ContactBook(this.id, o.maxContacts);
    this.selfBound = this.peers !== undefined && isBoundKey(this.id, this.peers.publicKey);
    this.keyWaitMs = o.keyWaitMs ?? 120_000;
    this.retryMs = Math.max(1, o.refusedRetryMs ?? 2_000);
  }

  /** Hands an envelope to the inner station and maps its sequence number to the app's. */
  innerSend(now: number, dst: NodeId, envelope: Uint8Array, options: SendOptions, appSeq: number | undefined): SendResult {
    const { priority, wantAck, scope } = options;
    const r = this.inner.send(now, dst, envelope, { priority, wantAck, scope });
    if (!r.ok) return r;
    const seq = appSeq ?? this.nextAppSeq();
    this.remember(this.seqMap, `${dst}:${r.seq}`, seq);
    return { ok: true, seq };
  }

  nextAppSeq(): number {
    this.#appSeq = (this.#appSeq + 1) & 0xffff;
    return this.#appSeq;
  }

  /** Sets `key` as the newest entry of a bounded map, the oldest dropped past MAX_SEQ_MAP. */
  remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    setNewest(map, key, value, MAX_SEQ_MAP);
  }

  /** The fingerprint of this node's key or of a peer's (undefined when not held). */
  fingerprintOf(id: NodeId): string | undefined {
    const pk = id === this.id ? this.peers?.publicKey : this.peers?.publicKeyOf(id);
    return pk === undefined ? undefined : fingerprint(pk);
  }

  pinPeer(id: NodeId, dmMark: number | undefined, now: number): void {
    if (this.peers === undefined) return;
    this.peers.pin(id, dmMark);
    this.reportStoreProblems(now);
  }

  reportStoreProblems(now: number): void {
    const problems = this.peers?.storeProblems;
    if (problems === undefined || problems.length === 0) return;
    for (const text of problems.splice(0)) this.events.push({ type: "log", at: now, level: "warn", text: `security: ${text}` });
  }
}
