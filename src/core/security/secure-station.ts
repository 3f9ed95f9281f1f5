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
import { airtimeMs, type LoRaModulation } from "../airtime";
import { decodeFrame } from "../codec";
import { FrameType, MAX_FRAME_BYTES, MAX_UNICAST_PAYLOAD, MAX_BCAST_PAYLOAD } from "../frames";
import { PRESETS } from "../presets";
import { BROADCAST, formatNodeId, isUnicastId, type NodeId, type PriorityLevel, type RxMeta, type SendOptions, type SendResult, type Station, type StationEvent, type TxFrame } from "../station";
import { readU32LE } from "./bytes";
import { DM_OVERHEAD_BYTES, KEY_MESSAGE_BYTES, KEY_OFFER_BYTES, KEYED_DM_EXTRA_BYTES, KEYED_PLAIN_OVERHEAD_BYTES, PayloadKind, PLAIN_OVERHEAD_BYTES, keyedDm, keyedPlainEnvelope, keyMessage, keyOffer, openDm, plainEnvelope, readKeyedDm, readKeyOffer, sealDm } from "./dm-seal";
import { FrameCounter, type CounterStore } from "./frame-counter";
import { KEY_FRAME_TYPE, SEAL_OVERHEAD_BYTES, SEAL_TAG_BYTES, openFrame, sealFrame } from "./frame-seal";
import { decodeKeyFrame, encodeKeyFrame, KEY_FRAME_BYTES, PUBLIC_KEY_BYTES } from "./key-frame";
import { KeyAirtimeBudget, WorkBudget } from "./key-budget";
import { KeyCache } from "./key-cache";
import { isBoundKey } from "./key-id";
import { locateTarget, splitLocateKey, withLocateKey } from "./locate-key";
import { networkKeys, type NetworkKeys } from "./keys";
import { PeerKeys, fingerprint, type PeerStore } from "./peer-keys";
import { OwnCounters } from "./own-counters";
import { ReplayWindow } from "./replay-window";
import { SecureBridge } from "./secure-bridge";

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
}

export interface SecureSendOptions extends SendOptions {
  /** Seal end to end with the destination's key (unicast only). */
  readonly private?: boolean;
}

/** A delivered event as a SecureStation reports it: `private` is true for a decrypted DM. */
export type SecureDelivered = Extract<StationEvent, { type: "delivered" }> & { readonly private: boolean };

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
  /** DMs sent once their peer's key came, and the total time they waited for it, ms. */
  dmReleased: number;
  dmKeyWaitMs: number;
  /** DMs that failed because no key came within keyWaitMs (part of dmFailed). */
  dmNoKey: number;
  /** Key requests this node answered from its cache while relaying them (KEY_OFFERs sent). */
  cacheAnswers: number;
  /** KEY_OFFERs received that gave this node a key it did not hold. */
  keyOffersTaken: number;
  /** DMs whose peer key came from this node's cache of bound keys, with no request at all. */
  keysFromCache: number;
  /** DMs sent with this node's key in front (KEYED_DM), and received so. */
  keyedDmSent: number;
  keyedDmReceived: number;
  /** Broadcasts sent with this node's key on them (KEYED_PLAIN). */
  keyedBroadcasts: number;
  /** Location answers sent with the target's key on them, and received so (bound keys cached). */
  keyedLocateSent: number;
  keyedLocateReceived: number;
  /** Location answers sent without the key because the duty-cycle plan had no room for its bytes. */
  keyedLocateDeferred: number;
  /** Keys refused because they are not bound to their id where binding is required (or a third party offered them). */
  unboundKeys: number;
}

interface PendingDm {
  readonly dst: NodeId;
  readonly payload: Uint8Array;
  readonly options: SecureSendOptions;
  readonly appSeq: number;
  readonly queuedAt: number;
  deadline: number;
  nextAsk: number;
  /** The last key request for this DM was refused by the inner station. */
  askRefused: boolean;
  /** Set once the key is known and the inner station refused the DM: when to try it again. */
  retryAt: number | undefined;
  lastRefusal: { code: string; reason: string } | undefined;
}

type KeyMessageKind = typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER | typeof PayloadKind.KEY_OFFER;

/** A key message the inner station refused for now (no route back yet), retried from tick(). */
interface HeldKeyMessage {
  readonly dst: NodeId;
  readonly kind: KeyMessageKind;
  readonly deadline: number;
  next: number;
  lastReason: string;
}

/** A DM that arrived before its sender's key (held briefly, decrypted when the key comes). */
interface HeldDm {
  readonly event: Extract<StationEvent, { type: "delivered" }>;
  readonly until: number;
}

const MAX_HELD_DMS = 4;
/** Refused key messages held for a retry: one per peer, the oldest pushed out by a newer one. */
const MAX_HELD_KEY_MESSAGES = 4;
const MAX_SEQ_MAP = 64;
const KEY_FRAME_PRIORITY = 1;
/** A KEY frame as it goes on the air. */
const SEALED_KEY_FRAME_BYTES = KEY_FRAME_BYTES + SEAL_OVERHEAD_BYTES;
/** Tries of a routed key message booked against the key budget: the first and the core's default e2eRetries (1). */
const KEY_MESSAGE_COPIES = 2;
/** A KEY frame the duty-cycle plan never allows is tried again after this long. */
const KEY_DEFER_MAX_MS = 3_600_000;

export class SecureStation implements Station {
  readonly id: NodeId;
  readonly inner: Station;
  /** The inner station's bridge, sealed and opened as the air is (secure-bridge.ts); gateways only. */
  readonly bridge: SecureBridge | undefined;
  readonly #keys: NetworkKeys;
  readonly #counter: FrameCounter;
  readonly #window: ReplayWindow;
  readonly #own = new OwnCounters();
  readonly #dmWindow: ReplayWindow;
  readonly #peers: PeerKeys | undefined;
  readonly #maxPending: number;
  readonly #keyWaitMs: number;
  readonly #keyRetryMs: number;
  readonly #keyAnswerMs: number;
  readonly #retryMs: number;
  readonly #stats: SecurityStats = {
    sealed: 0, sealFailed: 0, opened: 0, truncated: 0, oversized: 0, badHeader: 0, badTag: 0, replayed: 0, tooOld: 0, counterJumps: 0, ownFrame: 0, duplicateId: 0,
    keyFramesSent: 0, keyFramesDeferred: 0, keysLearned: 0, keyConflicts: 0, keysDeferred: 0, keyRequestsIgnored: 0, badKeys: 0, dmSent: 0, dmReceived: 0, dmRejected: 0, dmQueued: 0, dmFailed: 0, badEnvelope: 0,
    keyAnswersRetried: 0, keyAnswersDropped: 0, keyRequestsRetried: 0, keyRequestsDropped: 0, dmRetried: 0,
    keyRequestsSent: 0, keyAnswersSent: 0, keyRequestsLost: 0, keyAnswersLost: 0, keyRequestsOverBudget: 0, dmReleased: 0, dmKeyWaitMs: 0,
    dmNoKey: 0, cacheAnswers: 0, keyOffersTaken: 0, keysFromCache: 0, keyedDmSent: 0, keyedDmReceived: 0, keyedBroadcasts: 0, keyedLocateSent: 0, keyedLocateReceived: 0, keyedLocateDeferred: 0, unboundKeys: 0,
  };
  #events: StationEvent[] = [];
  /** A KEY frame waiting to go out: with the request flag at boot, without it as an answer. */
  #keyOut: { request: boolean; at: number } | undefined;
  #lastKeyFrameAt = -Infinity;
  /** Who supplied the frame last returned by pollTransmit. */
  #lastFrom: "inner" | "key" | undefined;
  /** The last sealed inner frame, kept while the channel was busy so a retry reuses its counter. */
  /** The frame on the air (kept while the channel is busy); `extra`: key bytes appended beyond what the inner node booked. */
  #busy: { inner: Uint8Array; sealed: Uint8Array; extra: number } | undefined;
  #pending: PendingDm[] = [];
  #held: HeldDm[] = [];
  #heldKeys: HeldKeyMessage[] = [];
  /** Application sequence numbers: the inner node's (dst, seq) of each app send → the seq the app was given. */
  readonly #seqMap = new Map<string, number>();
  /** Inner (dst, seq) of the key messages this layer sent itself → their kind: their events are not the app's. */
  readonly #internal = new Map<string, KeyMessageKind>();
  /** Key requests sent to each peer whose key is still awaited: the backoff's exponent. */
  readonly #asks = new Map<NodeId, number>();
  #appSeq = 0;
  readonly #lastAnswer = new Map<NodeId, number>();
  readonly #keyBudget: KeyAirtimeBudget;
  readonly #keyFrameMs: number;
  readonly #keyMessageMs: number;
  readonly #answerPerPeerMs: number;
  readonly #bindingRequired: boolean;
  readonly #cache: KeyCache;
  /** Peers known to hold our key (they answered us, wrote to us, or took our key from a cache): DMs to them go without it. */
  readonly #knowsUs = new Map<NodeId, true>();
  /** Whether our own key is bound to our id (only then do others take it from a broadcast). */
  readonly #selfBound: boolean;
  readonly #keyOnBroadcastMs: number;
  #lastKeyedBroadcast = -Infinity;

  constructor(o: SecureStationOptions) {
    this.inner = o.inner;
    this.id = o.inner.id;
    this.#keys = networkKeys(o.networkKey);
    this.#counter = new FrameCounter(o.counterStore, o.counterBlock);
    this.#window = new ReplayWindow(o.maxSenders);
    // DM counters are authenticated end to end (only the peer can produce them): one track each.
    this.#dmWindow = new ReplayWindow(o.maxPeers, Infinity);
    this.#peers =
      o.nodeSecretKey === undefined
        ? undefined
        : new PeerKeys(this.id, o.nodeSecretKey, { maxPeers: o.maxPeers, store: o.peerStore, budget: new WorkBudget(o.newKeysPerMinute) });
    // A peer talked to before the reboot: its DMs up to the stored mark count as seen (§13.3).
    for (const id of this.#peers?.pinnedIds() ?? []) {
      const mark = this.#peers?.dmMarkOf(id);
      if (mark !== undefined) this.#dmWindow.seedSeen(id, mark);
    }
    const modem = o.modem ?? PRESETS.LONG_FAST;
    this.#keyBudget = new KeyAirtimeBudget(o.keyAirtimeShare);
    this.#keyFrameMs = airtimeMs(modem, SEALED_KEY_FRAME_BYTES);
    // A routed key message: a DATA frame with the 33-byte envelope, sealed, booked as the copies
    // it may cost (it asks for an end-to-end ACK: the first try and the core's retry).
    this.#keyMessageMs = KEY_MESSAGE_COPIES * airtimeMs(modem, Math.min(MAX_FRAME_BYTES, MAX_FRAME_BYTES - MAX_UNICAST_PAYLOAD + Math.max(KEY_MESSAGE_BYTES, KEY_OFFER_BYTES) + SEAL_OVERHEAD_BYTES));
    this.#bindingRequired = o.idBinding === "required";
    this.#cache = new KeyCache(o.keyCacheSize);
    this.#selfBound = this.#peers !== undefined && isBoundKey(this.id, this.#peers.publicKey);
    this.#keyOnBroadcastMs = o.keyOnBroadcastMs ?? 3_600_000;
    this.#answerPerPeerMs = o.keyAnswerPerPeerMs ?? 60_000;
    this.#maxPending = o.maxPendingDms ?? 8;
    this.#keyWaitMs = o.keyWaitMs ?? 120_000;
    this.#keyRetryMs = o.keyRetryMs ?? 30_000;
    this.#keyAnswerMs = o.keyAnswerIntervalMs ?? 10_000;
    this.#retryMs = Math.max(1, o.refusedRetryMs ?? 2_000);
    this.bridge =
      o.inner.bridge === undefined
        ? undefined
        : new SecureBridge(o.inner.bridge, {
            self: this.id,
            seal: (inner, now) => this.#seal(inner, now),
            open: (bytes) => openFrame(this.#keys.frame, bytes),
            admit: (tx, counter) => {
              // Below every track of a sender already tracked: an old publication replayed (§14.2).
              if (this.#window.opensBelow(tx, counter)) return "too-old";
              const v = this.#window.check(tx, counter);
              if (v === "fresh") this.#window.accept(tx, counter);
              return v;
            },
          });
    // Announce the key once at boot and ask the neighbours for theirs.
    if (this.#peers !== undefined) this.#keyOut = { request: true, at: o.now };
  }

  get stats(): Readonly<SecurityStats> {
    return this.#stats;
  }

  /** This node's X25519 public key and its fingerprint (undefined without a node key). */
  get publicKey(): Uint8Array | undefined {
    return this.#peers?.publicKey;
  }

  fingerprintOf(id: NodeId): string | undefined {
    const pk = id === this.id ? this.#peers?.publicKey : this.#peers?.publicKeyOf(id);
    return pk === undefined ? undefined : fingerprint(pk);
  }

  /** Forgets the key pinned for `id` (TOFU undone by the user, docs/security.md §11 step 4). */
  forgetPeer(id: NodeId): boolean {
    return this.#peers?.forget(id >>> 0) ?? false;
  }

  knowsKeyOf(id: NodeId): boolean {
    return this.#peers?.has(id) ?? false;
  }

  /** The 32-bit public id of the network key. */
  get netId(): number {
    return this.#keys.netId;
  }

  // --- sending -------------------------------------------------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions = {}): SendResult {
    if (options.private === true) return this.#sendPrivate(now, dst, payload, options);
    const max = (dst === BROADCAST ? MAX_BCAST_PAYLOAD : MAX_UNICAST_PAYLOAD) - SEAL_OVERHEAD_BYTES - PLAIN_OVERHEAD_BYTES;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `payload is ${payload.length} bytes; at most ${max} fit a sealed frame` };
    // Our key rides on a broadcast at most once per keyOnBroadcastMs, when it fits (§8).
    const keyed =
      dst === BROADCAST && this.#selfBound && this.#peers !== undefined && this.#keyOnBroadcastMs > 0 &&
      now - this.#lastKeyedBroadcast >= this.#keyOnBroadcastMs && payload.length + KEYED_PLAIN_OVERHEAD_BYTES <= max + PLAIN_OVERHEAD_BYTES;
    if (!keyed || this.#peers === undefined) return this.#innerSend(now, dst, plainEnvelope(payload), options, undefined);
    const r = this.#innerSend(now, dst, keyedPlainEnvelope(this.#peers.publicKey, payload), options, undefined);
    if (r.ok) {
      this.#lastKeyedBroadcast = now;
      this.#stats.keyedBroadcasts++;
    }
    return r;
  }

  #sendPrivate(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions): SendResult {
    if (this.#peers === undefined) return { ok: false, code: "bad-destination", reason: "this node has no key pair: private messages need a node secret key" };
    if (!isUnicastId(dst) || dst === this.id) return { ok: false, code: "bad-destination", reason: "a private message goes to one other node" };
    const max = MAX_UNICAST_PAYLOAD - SEAL_OVERHEAD_BYTES - DM_OVERHEAD_BYTES;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `private payload is ${payload.length} bytes; at most ${max} fit` };
    const known = this.#peers.has(dst) || this.#keyFromCache(dst, now);
    const ahead = this.#pending.filter((q) => q.dst === dst);
    // With the key known, a DM goes out at once, unless earlier ones to the same peer still wait
    // for the inner station: it queues behind them, so the peer gets them in order.
    if (known && ahead.length === 0) return this.#sendDm(now, dst, payload, options, undefined);
    if (this.#pending.length >= this.#maxPending) {
      return { ok: false, code: "queue-full", reason: `${this.#maxPending} private messages already wait for keys` };
    }
    const appSeq = this.#nextAppSeq();
    const retryAt = known ? Math.min(...ahead.map((q) => q.retryAt ?? now)) : undefined;
    // A request already in flight for this peer serves this DM too: it is not asked again before its time.
    const asking = ahead.find((q) => q.retryAt === undefined);
    const nextAsk = asking?.nextAsk ?? now;
    const p: PendingDm = { dst, payload: payload.slice(), options, appSeq, queuedAt: now, deadline: now + this.#keyWaitMs, nextAsk, askRefused: asking?.askRefused ?? false, retryAt, lastRefusal: undefined };
    this.#pending.push(p);
    this.#stats.dmQueued++;
    if (!known) this.#askForKey(p, now);
    return { ok: true, seq: appSeq };
  }

  #sendDm(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions, appSeq: number | undefined): SendResult {
    const key = this.#peers?.dmKey(dst);
    if (key === undefined) return { ok: false, code: "bad-destination", reason: "no key for the destination" };
    const c = this.#counter.issue();
    if (!c.ok) return { ok: false, code: "queue-full", reason: `cannot seal: ${c.reason}` };
    this.#own.sealed(c.value, NO_TAG); // no frame carries this counter: one that does is not ours
    const dm = sealDm(key, this.id, dst, c.value, payload);
    // Our key goes in front until the peer shows it holds it, so the receiver never asks back.
    const keyed = !this.#knowsUs.has(dst) && this.#peers !== undefined && dm.length + KEYED_DM_EXTRA_BYTES <= MAX_UNICAST_PAYLOAD - SEAL_OVERHEAD_BYTES;
    const r = this.#innerSend(now, dst, keyed && this.#peers !== undefined ? keyedDm(this.#peers.publicKey, dm) : dm, options, appSeq);
    if (r.ok) {
      this.#stats.dmSent++;
      if (keyed) this.#stats.keyedDmSent++;
      // A peer the user writes to is pinned for good (§13.2).
      if (this.#peers?.isPinned(dst) === false) this.#pinPeer(dst, undefined, now);
    }
    return r;
  }

  #innerSend(now: number, dst: NodeId, envelope: Uint8Array, options: SendOptions, appSeq: number | undefined): SendResult {
    const { priority, wantAck, scope } = options;
    const r = this.inner.send(now, dst, envelope, { priority, wantAck, scope });
    if (!r.ok) return r;
    const seq = appSeq ?? this.#nextAppSeq();
    this.#remember(this.#seqMap, `${dst}:${r.seq}`, seq);
    return { ok: true, seq };
  }

  #nextAppSeq(): number {
    this.#appSeq = (this.#appSeq + 1) & 0xffff;
    return this.#appSeq;
  }

  #remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_SEQ_MAP) map.delete(map.keys().next().value as K);
  }

  /**
   * A bound key for `dst` from the cache, learned for our own use (no work budget: our user asked
   * for it). True when the peer's key is now known.
   */
  #keyFromCache(dst: NodeId, now: number): boolean {
    const k = this.#cache.get(dst);
    if (k === undefined || this.#peers === undefined) return false;
    this.#learn(dst, k, now, false);
    if (!this.#peers.has(dst)) return false;
    this.#stats.keysFromCache++;
    return true;
  }

  /**
   * A key `id` is bound to, from the peers held or else the cache (a cache answer serves only bound
   * keys). The pinned key comes first: it is the one this node talks to, and a second key ground
   * out for the same 32-bit id and offered to the cache must not be handed on in its place.
   */
  #boundKeyOf(id: NodeId): Uint8Array | undefined {
    const held = this.#peers?.publicKeyOf(id);
    if (held !== undefined && isBoundKey(id, held)) return held;
    return this.#cache.get(id);
  }

  /**
   * Any key seen on the way (a neighbour's KEY frame, a key message or keyed DM relayed or
   * overheard) goes to the cache when bound to its id; a DM of ours waiting for it is released.
   */
  #cacheKey(id: NodeId, publicKey: Uint8Array, now: number): void {
    if (!this.#cache.offer(id, publicKey) || this.#peers === undefined || this.#peers.has(id)) return;
    if (this.#pending.some((p) => p.dst === id && p.retryAt === undefined)) {
      this.#learn(id, publicKey, now, false);
      if (this.#peers.has(id)) this.#stats.keysFromCache++;
    }
  }

  /** Key request to a DM's destination through routed DATA (it may be many hops away). */
  #askForKey(p: PendingDm, now: number): void {
    if (this.#peers === undefined || p.retryAt !== undefined || now < p.nextAsk) return;
    if (this.#keyFromCache(p.dst, now)) return;
    const r = this.#sendKeyMessage(now, p.dst, PayloadKind.KEY_REQUEST);
    // Refused for now (no neighbour yet, queue full): ask again soon rather than a retry interval later.
    const refused = !r.ok && retriable(r.code);
    const retried = r.ok && this.#pending.some((q) => q.dst === p.dst && q.askRefused);
    if (retried) this.#stats.keyRequestsRetried++;
    // One request per destination per retry interval, however many DMs wait for it; the
    // interval doubles with each request still unanswered (no retry storm toward a peer that
    // cannot answer). A request the inner station gives up on is asked again at once (#onKeyMessageLost).
    let next = now + this.#retryMs;
    if (!refused) {
      const n = this.#asks.get(p.dst) ?? 0;
      this.#remember(this.#asks, p.dst, n + 1);
      next = now + this.#keyRetryMs * 2 ** Math.min(n, 4);
    }
    for (const q of this.#pending) {
      if (q.dst !== p.dst) continue;
      q.nextAsk = next;
      q.askRefused = refused;
    }
  }

  #sendKeyMessage(now: number, dst: NodeId, kind: KeyMessageKind, offered?: { readonly owner: NodeId; readonly publicKey: Uint8Array }): SendResult {
    if (this.#peers === undefined) return { ok: false, code: "bad-destination", reason: "this node has no key pair" };
    if (kind === PayloadKind.KEY_OFFER) {
      if (offered === undefined) return { ok: false, code: "bad-destination", reason: "a key offer names the key it offers" };
      const r = this.inner.send(now, dst, keyOffer(offered.owner, offered.publicKey), { priority: 2 });
      if (r.ok) this.#remember(this.#internal, `${dst}:${r.seq}`, kind);
      return r;
    }
    // Hop ACKs and the inner node's fallbacks carry it like any DATA, but no end-to-end ACK:
    // measured, the ACK's retry and the path distrust it brings cost more than they recover
    // (docs/security.md §8, "First contact"); the asker's own backoff re-asks instead.
    const r = this.inner.send(now, dst, keyMessage(kind as typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER, this.#peers.publicKey), { priority: 2 });
    if (r.ok) {
      this.#remember(this.#internal, `${dst}:${r.seq}`, kind);
      if (kind === PayloadKind.KEY_ANSWER) this.#stats.keyAnswersSent++;
      else this.#stats.keyRequestsSent++;
    }
    return r;
  }

  /**
   * Sends a key message, or holds it for a retry from tick() when the inner station refuses it
   * for now: a KEY_REQUEST often arrives before its receiver has a route back (the requester's
   * OGM not heard yet), and the requester would otherwise wait a whole keyRetryMs for its key.
   * One held message per peer (the newest; a request also carries our key, so it covers an
   * answer), at most MAX_HELD_KEY_MESSAGES.
   */
  #sendOrHoldKeyMessage(now: number, dst: NodeId, kind: KeyMessageKind): void {
    const old = this.#heldKeys.find((h) => h.dst === dst);
    if (old !== undefined) {
      this.#heldKeys = this.#heldKeys.filter((h) => h !== old);
      if (old.kind === PayloadKind.KEY_REQUEST) kind = PayloadKind.KEY_REQUEST;
    }
    const r = this.#sendKeyMessage(now, dst, kind);
    if (r.ok) return;
    const held: HeldKeyMessage = { dst, kind, deadline: now + this.#keyWaitMs, next: now + this.#retryMs, lastReason: r.reason };
    if (!retriable(r.code)) return this.#dropKeyMessage(held, now, r.reason);
    if (this.#heldKeys.length >= MAX_HELD_KEY_MESSAGES) {
      const oldest = this.#heldKeys.shift() as HeldKeyMessage;
      this.#dropKeyMessage(oldest, now, "pushed out by newer key messages");
    }
    this.#heldKeys.push(held);
  }

  #retryKeyMessages(now: number): void {
    if (this.#heldKeys.length === 0) return;
    const keep: HeldKeyMessage[] = [];
    for (const h of this.#heldKeys) {
      if (now >= h.deadline) {
        this.#dropKeyMessage(h, now, `still refused after ${Math.round(this.#keyWaitMs / 1000)} s: ${h.lastReason}`);
        continue;
      }
      if (now < h.next) {
        keep.push(h);
        continue;
      }
      const r = this.#sendKeyMessage(now, h.dst, h.kind);
      if (r.ok) {
        if (h.kind === PayloadKind.KEY_ANSWER) this.#stats.keyAnswersRetried++;
        else this.#stats.keyRequestsRetried++;
      } else if (!retriable(r.code)) {
        this.#dropKeyMessage(h, now, r.reason);
      } else {
        h.next = now + this.#retryMs;
        h.lastReason = r.reason;
        keep.push(h);
      }
    }
    this.#heldKeys = keep;
  }

  /**
   * The inner station gave up on a key message. A lost request is no longer in flight: DMs still
   * waiting for that key ask again at once (the backoff still grows). A lost answer is not re-sent:
   * the asker asks again, and is answered once its minute is over (§13.4).
   */
  #onKeyMessageLost(dst: NodeId, kind: KeyMessageKind, now: number): void {
    if (kind !== PayloadKind.KEY_REQUEST) {
      this.#stats.keyAnswersLost++;
      return;
    }
    this.#stats.keyRequestsLost++;
    for (const p of this.#pending) if (p.dst === dst && p.retryAt === undefined && !p.askRefused) p.nextAsk = Math.min(p.nextAsk, now);
  }

  #dropKeyMessage(h: HeldKeyMessage, now: number, reason: string): void {
    const answer = h.kind === PayloadKind.KEY_ANSWER;
    if (answer) this.#stats.keyAnswersDropped++;
    else this.#stats.keyRequestsDropped++;
    this.#events.push({ type: "log", at: now, level: "info", text: `security: key ${answer ? "answer" : "request"} to ${formatNodeId(h.dst)} not sent: ${reason}` });
  }

  /** A peer's key arrived: send what waited for it, decrypt what arrived before it. */
  #onKeyLearned(id: NodeId, now: number): void {
    this.#asks.delete(id);
    for (const p of this.#pending) if (p.dst === id && p.retryAt === undefined) p.retryAt = now;
    this.#sendReadyDms(now, id);
    const held = this.#held.filter((h) => h.event.src === id);
    this.#held = this.#held.filter((h) => h.event.src !== id);
    for (const h of held) this.#deliverDm(h.event, now);
  }

  /**
   * Sends the pending DMs whose key is known and whose retry time has come (all of them, or
   * those to `only`), oldest first. A DM the inner station refuses for now stays pending and is
   * tried again refusedRetryMs later, until its deadline; later DMs to the same peer wait behind
   * it. A refusal for good fails it with a send-failed event.
   */
  #sendReadyDms(now: number, only?: NodeId): void {
    /** Peers whose oldest DM was refused just now → when it is tried again. */
    const stalled = new Map<NodeId, number>();
    const keep: PendingDm[] = [];
    for (const p of this.#pending) {
      const until = stalled.get(p.dst);
      if (p.retryAt !== undefined && until !== undefined) p.retryAt = Math.max(p.retryAt, until);
      if (p.retryAt === undefined || (only !== undefined && p.dst !== only) || now < p.retryAt) {
        keep.push(p);
        continue;
      }
      if (this.#peers?.has(p.dst) !== true) {
        // The peer's key was evicted meanwhile: fetch it again.
        p.retryAt = undefined;
        p.nextAsk = now;
        keep.push(p);
        continue;
      }
      const first = p.lastRefusal === undefined;
      const r = this.#sendDm(now, p.dst, p.payload, p.options, p.appSeq);
      if (r.ok) {
        if (!first) this.#stats.dmRetried++;
        this.#stats.dmReleased++;
        this.#stats.dmKeyWaitMs += now - p.queuedAt;
        continue;
      }
      if (!retriable(r.code)) {
        this.#failDm(p, now, r.code, r.reason);
        continue;
      }
      p.lastRefusal = { code: r.code, reason: r.reason };
      p.retryAt = now + this.#retryMs;
      // At least one more try, even when the key came just before the deadline.
      p.deadline = Math.max(p.deadline, p.retryAt);
      stalled.set(p.dst, p.retryAt);
      keep.push(p);
    }
    this.#pending = keep;
  }

  #failDm(p: PendingDm, now: number, code: string, reason: string): void {
    this.#stats.dmFailed++;
    this.#events.push({ type: "send-failed", at: now, dst: p.dst, seq: p.appSeq, code, reason });
  }

  // --- the radio side ------------------------------------------------------------------------

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#keyOut !== undefined && now >= this.#keyOut.at && this.#peers !== undefined) {
      // KEY frames spend the node's duty-cycle budget like its own frames: one ledger per node.
      const start = this.inner.foreignFrameStart?.(now, SEALED_KEY_FRAME_BYTES, KEY_FRAME_PRIORITY) ?? now;
      if (start > now) {
        this.#stats.keyFramesDeferred++;
        this.#keyOut.at = Number.isFinite(start) ? start : now + KEY_DEFER_MAX_MS;
      } else {
        const bytes = this.#seal(encodeKeyFrame({ owner: this.id, request: this.#keyOut.request, publicKey: this.#peers.publicKey }), now);
        if (bytes !== undefined) {
          this.#lastFrom = "key";
          return { bytes, priority: KEY_FRAME_PRIORITY, kind: "control" };
        }
        this.#keyOut = undefined;
      }
    }
    const f = this.inner.pollTransmit(now);
    if (f === undefined) return undefined;
    this.#lastFrom = "inner";
    if (this.#busy !== undefined && sameBytes(this.#busy.inner, f.bytes)) return { ...f, bytes: this.#busy.sealed };
    this.#busy = undefined;
    const keyed = this.#withKeys(f.bytes, now, f.priority);
    const sealed = this.#seal(keyed, now);
    if (sealed === undefined) {
      // The frame cannot go out: to the inner node it is as if lost on the air.
      this.#lastFrom = undefined;
      this.inner.transmitDone(now, "sent");
      return undefined;
    }
    this.#busy = { inner: f.bytes, sealed, extra: keyed.length - f.bytes.length };
    return { ...f, bytes: sealed };
  }

  /**
   * A LOCATE_A goes out with the target's bound key on it, when this node holds that key and the
   * duty-cycle plan has room for the key's bytes now (the inner node booked the answer without
   * them; transmitDone books them).
   */
  #withKeys(inner: Uint8Array, now: number, priority: PriorityLevel): Uint8Array {
    const target = locateTarget(inner);
    if (target === undefined || this.#peers === undefined) return inner;
    const publicKey = target === this.id ? (this.#selfBound ? this.#peers.publicKey : undefined) : this.#boundKeyOf(target);
    if (publicKey === undefined) return inner;
    if ((this.inner.foreignFrameStart?.(now, PUBLIC_KEY_BYTES, priority) ?? now) > now) {
      this.#stats.keyedLocateDeferred++;
      return inner;
    }
    this.#stats.keyedLocateSent++;
    return withLocateKey(inner, publicKey);
  }

  #seal(inner: Uint8Array, now: number): Uint8Array | undefined {
    const c = this.#counter.issue();
    const r = c.ok ? sealFrame(this.#keys.frame, inner, c.value) : { ok: false as const, reason: c.reason };
    if (!r.ok) {
      this.#stats.sealFailed++;
      this.#events.push({ type: "log", at: now, level: "warn", text: `security: frame of type ${inner[0] & 15} not sent: ${r.reason}` });
      return undefined;
    }
    this.#stats.sealed++;
    if (c.ok) this.#own.sealed(c.value, tagPrefix(r.bytes));
    return r.bytes;
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    const from = this.#lastFrom;
    this.#lastFrom = undefined;
    if (from === "key") {
      if (outcome === "sent") {
        this.#keyOut = undefined;
        this.#lastKeyFrameAt = now;
        this.#stats.keyFramesSent++;
        this.#keyBudget.record(now, this.#keyFrameMs);
        this.inner.foreignFrameSent?.(now, SEALED_KEY_FRAME_BYTES);
      }
      return;
    }
    if (from !== "inner") return;
    if (outcome === "sent") {
      // The key bytes on a location answer, booked as a frame of their own: the preamble and
      // header counted twice err on the safe side of the duty-cycle limit.
      if (this.#busy !== undefined && this.#busy.extra > 0) this.inner.foreignFrameSent?.(now, this.#busy.extra);
      this.#busy = undefined;
    }
    this.inner.transmitDone(now, outcome);
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    const r = openFrame(this.#keys.frame, bytes);
    if (!r.ok) {
      if (r.reason === "truncated") this.#stats.truncated++;
      else if (r.reason === "oversized") this.#stats.oversized++;
      else if (r.reason === "bad-header") this.#stats.badHeader++;
      else this.#stats.badTag++;
      return;
    }
    if (r.tx === this.id) {
      if (this.#own.classify(r.counter, tagPrefix(bytes), this.#counter.next) === "foreign") {
        this.#stats.duplicateId++;
        this.#events.push({ type: "log", at: meta.at, level: "warn", text: `security: another transmitter seals frames under this node's id ${formatNodeId(this.id)}: two nodes share the id (their nonces collide) or someone impersonates it` });
      } else this.#stats.ownFrame++;
      return;
    }
    const verdict = this.#window.check(r.tx, r.counter);
    if (verdict !== "fresh") {
      if (verdict === "replayed") this.#stats.replayed++;
      else this.#stats.tooOld++;
      return;
    }
    const jumps = this.#window.jumps;
    this.#window.accept(r.tx, r.counter);
    if (this.#window.jumps !== jumps) this.#stats.counterJumps++;
    this.#stats.opened++;
    if ((r.inner[0] & 15) === KEY_FRAME_TYPE) this.#onKeyFrame(r.inner, meta.at);
    else {
      const located = splitLocateKey(r.inner);
      if (located.publicKey !== undefined && located.target !== undefined) {
        this.#stats.keyedLocateReceived++;
        this.#cacheKey(located.target, located.publicKey, meta.at);
      }
      this.inner.receive(this.#peekKeys(located.frame, meta.at), meta);
    }
  }

  /**
   * Keys carried by a DATA frame this node hears, whoever it is for, go to the cache (bound ones
   * only). A key request this node is to relay, for a peer whose bound key it holds, is answered
   * here with a KEY_OFFER (a cache answer, docs/security.md §8), and relayed on as a KEY_NOTICE:
   * the target still learns the asker's key but does not answer a second time. Returns the frame
   * to hand the inner node.
   */
  #peekKeys(inner: Uint8Array, now: number): Uint8Array {
    if ((inner[0] & 15) !== FrameType.DATA || this.#peers === undefined) return inner;
    const d = decodeFrame(inner);
    if (!d.ok || d.frame.type !== FrameType.DATA) return inner;
    const f = d.frame;
    // A frame for this node is read when it is delivered (#onDelivered), counted there.
    if (f.dst === this.id) return inner;
    const p = f.payload;
    const kind = p.length > 0 ? p[0] : -1;
    const keyMsg = kind === PayloadKind.KEY_REQUEST || kind === PayloadKind.KEY_ANSWER || kind === PayloadKind.KEY_NOTICE;
    if (keyMsg && p.length === KEY_MESSAGE_BYTES) this.#cacheKey(f.src, p.subarray(1), now);
    else if (kind === PayloadKind.KEYED_DM && p.length > KEYED_DM_EXTRA_BYTES) this.#cacheKey(f.src, p.subarray(1, KEYED_DM_EXTRA_BYTES), now);
    else if (kind === PayloadKind.KEY_OFFER) {
      const o = readKeyOffer(p);
      if (o !== undefined && isUnicastId(o.owner)) this.#cacheKey(o.owner, o.publicKey, now);
    }
    if (kind !== PayloadKind.KEY_REQUEST || p.length !== KEY_MESSAGE_BYTES || f.next !== this.id) return inner;
    if (f.dst === this.id || f.src === this.id || !isUnicastId(f.dst) || !isUnicastId(f.src)) return inner;
    const publicKey = this.#boundKeyOf(f.dst);
    if (publicKey === undefined) return inner;
    if (!this.#mayAnswer(f.src, now, this.#keyMessageMs, true)) {
      this.#stats.keyRequestsIgnored++;
      return inner;
    }
    if (!this.#sendKeyMessage(now, f.src, PayloadKind.KEY_OFFER, { owner: f.dst, publicKey }).ok) return inner;
    this.#stats.cacheAnswers++;
    const out = inner.slice();
    out[inner.length - p.length] = PayloadKind.KEY_NOTICE;
    return out;
  }

  #onKeyFrame(inner: Uint8Array, now: number): void {
    const k = decodeKeyFrame(inner);
    if (k === undefined || this.#peers === undefined) {
      if (k === undefined) this.#stats.badKeys++;
      return;
    }
    this.#cache.offer(k.owner, k.publicKey);
    this.#learn(k.owner, k.publicKey, now);
    // Answer a request with one KEY frame, however many neighbours asked within the interval;
    // not a neighbour answered within the last keyAnswerPerPeerMs, and never past the airtime share.
    if (!k.request || this.#keyOut !== undefined) return;
    if (now - this.#lastKeyFrameAt >= this.#keyAnswerMs && this.#mayAnswer(k.owner, now, this.#keyFrameMs, false)) this.#keyOut = { request: false, at: now };
    else this.#stats.keyRequestsIgnored++;
  }

  /**
   * Whether a key request from `peer` may be answered now (§13.4): once per keyAnswerPerPeerMs
   * per peer, and only while key traffic stays within its share of the hour. `record` books the
   * airtime at once (a routed message; a KEY frame is booked when it went out).
   */
  #mayAnswer(peer: NodeId, now: number, ms: number, record: boolean): boolean {
    const last = this.#lastAnswer.get(peer);
    if (last !== undefined && now - last < this.#answerPerPeerMs) return false;
    if (!this.#keyBudget.allows(now, ms)) {
      this.#stats.keyRequestsOverBudget++;
      return false;
    }
    this.#lastAnswer.delete(peer);
    this.#lastAnswer.set(peer, now);
    if (this.#lastAnswer.size > MAX_SEQ_MAP) this.#lastAnswer.delete(this.#lastAnswer.keys().next().value as number);
    if (record) this.#keyBudget.record(now, ms);
    return true;
  }

  #learn(id: NodeId, publicKey: Uint8Array, now: number, useBudget = true): void {
    if (this.#peers === undefined) return;
    if (this.#bindingRequired && !isBoundKey(id, publicKey)) {
      this.#stats.unboundKeys++;
      return;
    }
    const r = this.#peers.learn(id, publicKey, now, useBudget);
    if (r === "new") {
      this.#stats.keysLearned++;
      this.#onKeyLearned(id, now);
    } else if (r === "conflict") {
      this.#stats.keyConflicts++;
      this.#events.push({ type: "log", at: now, level: "warn", text: `security: ${fingerprint(publicKey)} announced for ${id.toString(16).padStart(8, "0")}, which is pinned to ${this.fingerprintOf(id)}: refused` });
    } else if (r === "invalid") this.#stats.badKeys++;
    else if (r === "busy") this.#stats.keysDeferred++;
  }

  #pinPeer(id: NodeId, dmMark: number | undefined, now: number): void {
    if (this.#peers === undefined) return;
    this.#peers.pin(id, dmMark);
    this.#reportStoreProblems(now);
  }

  #reportStoreProblems(now: number): void {
    const problems = this.#peers?.storeProblems;
    if (problems === undefined || problems.length === 0) return;
    for (const text of problems.splice(0)) this.#events.push({ type: "log", at: now, level: "warn", text: `security: ${text}` });
  }

  tick(now: number): void {
    this.#reportStoreProblems(now);
    this.inner.tick(now);
    // Tries due before the deadline check, so a try and the deadline at the same instant favour the try.
    this.#sendReadyDms(now);
    const expired = this.#pending.filter((p) => now >= p.deadline);
    if (expired.length > 0) {
      this.#pending = this.#pending.filter((p) => now < p.deadline);
      for (const p of expired) {
        if (p.retryAt !== undefined) {
          const why = p.lastRefusal?.reason ?? "it waited behind earlier private messages to the same node";
          this.#failDm(p, now, p.lastRefusal?.code ?? "queue-full", `private message to ${formatNodeId(p.dst)} not sent within ${Math.round(this.#keyWaitMs / 1000)} s: ${why}`);
        } else {
          this.#stats.dmNoKey++;
          this.#failDm(p, now, "no-key", `no public key from ${formatNodeId(p.dst)} within ${Math.round(this.#keyWaitMs / 1000)} s: private message not sent`);
        }
      }
    }
    for (const p of this.#pending) this.#askForKey(p, now);
    this.#retryKeyMessages(now);
    this.#held = this.#held.filter((h) => now < h.until);
  }

  nextWakeup(): number {
    let t = this.inner.nextWakeup();
    // While a frame is on the air the radio is taken: a waiting KEY frame is no reason to wake.
    if (this.#keyOut !== undefined && this.#lastFrom === undefined && this.#keyOut.at < t) t = this.#keyOut.at;
    for (const p of this.#pending) t = Math.min(t, p.deadline, p.retryAt ?? p.nextAsk);
    for (const h of this.#heldKeys) t = Math.min(t, h.deadline, h.next);
    return t;
  }

  // --- events --------------------------------------------------------------------------------

  drainEvents(): StationEvent[] {
    for (const e of this.inner.drainEvents()) this.#onInnerEvent(e);
    const out = this.#events;
    this.#events = [];
    return out;
  }

  #onInnerEvent(e: StationEvent): void {
    if (e.type === "delivered") return this.#onDelivered(e);
    if (e.type === "acked" || e.type === "send-failed") {
      const key = `${e.dst}:${e.seq}`;
      const kind = this.#internal.get(key);
      if (kind !== undefined) {
        this.#internal.delete(key);
        if (e.type === "send-failed") this.#onKeyMessageLost(e.dst, kind, e.at);
        return;
      }
      const appSeq = this.#seqMap.get(key);
      if (appSeq === undefined) return void this.#events.push(e);
      this.#seqMap.delete(key);
      return void this.#events.push({ ...e, seq: appSeq });
    }
    this.#events.push(e);
  }

  #onDelivered(e: Extract<StationEvent, { type: "delivered" }>): void {
    const p = e.payload;
    const kind = p.length > 0 ? p[0] : -1;
    if (kind === PayloadKind.PLAIN) {
      this.#events.push({ ...e, payload: p.slice(1), private: false } as SecureDelivered);
    } else if (kind === PayloadKind.KEYED_PLAIN && p.length >= KEYED_PLAIN_OVERHEAD_BYTES) {
      this.#cacheKey(e.src, p.subarray(1, KEYED_PLAIN_OVERHEAD_BYTES), e.at);
      this.#events.push({ ...e, payload: p.slice(KEYED_PLAIN_OVERHEAD_BYTES), private: false } as SecureDelivered);
    } else if (kind === PayloadKind.DM && e.dst === this.id && this.#peers !== undefined) {
      this.#onDm(e);
    } else if (kind === PayloadKind.KEYED_DM && e.dst === this.id && this.#peers !== undefined) {
      const k = readKeyedDm(p);
      if (k === undefined) return void this.#stats.badEnvelope++;
      this.#stats.keyedDmReceived++;
      // The key is checked by the DM's tag (a wrong key gives a wrong pairwise key) and, where
      // binding is required, against the sender's id; a pinned peer's key is never replaced.
      if (!this.#peers.has(e.src)) this.#learn(e.src, k.publicKey, e.at);
      this.#onDm({ ...e, payload: k.dm });
    } else if (kind === PayloadKind.KEY_OFFER && e.dst === this.id && this.#peers !== undefined) {
      const o = readKeyOffer(p);
      if (o === undefined) return void this.#stats.badEnvelope++;
      if (!isBoundKey(o.owner, o.publicKey)) return void this.#stats.unboundKeys++;
      const had = this.#peers.has(o.owner);
      this.#cacheKey(o.owner, o.publicKey, e.at);
      if (!had && this.#peers.has(o.owner)) this.#stats.keyOffersTaken++;
    } else if ((kind === PayloadKind.KEY_REQUEST || kind === PayloadKind.KEY_ANSWER || kind === PayloadKind.KEY_NOTICE) && p.length === KEY_MESSAGE_BYTES && e.dst === this.id) {
      if (this.#peers === undefined) return;
      // An answer, or a request a cache answered on the way, shows the peer holds our key (noted
      // first: the DMs its key releases then go without ours). A key we refuse proves nothing.
      const key = p.subarray(1, 1 + PUBLIC_KEY_BYTES);
      const answered = kind !== PayloadKind.KEY_REQUEST && (!this.#bindingRequired || isBoundKey(e.src, key));
      if (answered) this.#remember(this.#knowsUs, e.src, true);
      this.#learn(e.src, key, e.at);
      if (answered && !sameBytes(this.#peers.publicKeyOf(e.src) ?? new Uint8Array(0), key)) this.#knowsUs.delete(e.src);
      if (kind !== PayloadKind.KEY_REQUEST) return;
      if (this.#mayAnswer(e.src, e.at, this.#keyMessageMs, true)) this.#sendOrHoldKeyMessage(e.at, e.src, PayloadKind.KEY_ANSWER);
      else this.#stats.keyRequestsIgnored++;
    } else this.#stats.badEnvelope++;
  }

  /** A DM for this node: opened when the sender's key is held, else held while the key is asked for. */
  #onDm(e: Extract<StationEvent, { type: "delivered" }>): void {
    if (this.#peers === undefined) return;
    if (this.#peers.has(e.src)) return this.#deliverDm(e, e.at);
    // The sender knew our key but we do not hold its (evicted, or a key over the budget): ask,
    // and hold the DM meanwhile.
    if (this.#held.length >= MAX_HELD_DMS) this.#held.shift();
    this.#held.push({ event: e, until: e.at + this.#keyWaitMs });
    if (this.#mayAnswer(e.src, e.at, this.#keyMessageMs, true)) this.#sendOrHoldKeyMessage(e.at, e.src, PayloadKind.KEY_REQUEST);
    else this.#stats.keyRequestsIgnored++;
  }

  #deliverDm(e: Extract<StationEvent, { type: "delivered" }>, now: number): void {
    const key = this.#peers?.dmKey(e.src);
    const opened = key === undefined ? undefined : openDm(key, e.src, e.dst, e.payload);
    if (opened === undefined || this.#dmWindow.check(e.src, opened.counter) !== "fresh") {
      this.#stats.dmRejected++;
      return;
    }
    this.#dmWindow.accept(e.src, opened.counter);
    this.#remember(this.#knowsUs, e.src, true);
    // Pinned with the DM's counter as its mark before the DM is handed on: after a reboot a
    // recording of it is refused (§13.3).
    this.#pinPeer(e.src, opened.counter, now);
    this.#stats.dmReceived++;
    this.#events.push({ ...e, at: Math.max(e.at, now), payload: opened.plaintext, private: true } as SecureDelivered);
  }
}

/** Whether a refusal may pass (no neighbour or route yet, a full queue, the QoS gate, the duty cycle). */
function retriable(code: string): boolean {
  return code !== "too-large" && code !== "bad-destination" && code !== "bad-priority";
}

/** Stands for "no frame sealed with this counter" (a DM's counter) in OwnCounters. */
const NO_TAG = -1;

/** The first 4 bytes of a sealed frame's tag, as a number. */
function tagPrefix(sealed: Uint8Array): number {
  return readU32LE(sealed, sealed.length - SEAL_TAG_BYTES);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The counter a sealed frame carries (for tests and tools: bytes 5..8, little-endian). */
export function sealedCounter(bytes: Uint8Array): number | undefined {
  return bytes.length >= 9 ? readU32LE(bytes, 5) : undefined;
}
