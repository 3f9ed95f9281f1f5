// First contact (docs/security.md §7, §8 "First contact"): how this node comes to hold a peer's
// key and the peer ours. Keys are learned under the binding rule (§7.3) and the X25519 budget;
// bound keys seen on the air are cached; routed KEY_REQUEST / KEY_ANSWER messages (with their
// backoff, and a retry while the inner station refuses them) are the last resort; a relay answers
// a request from its cache (KEY_OFFER, the request relayed on as a KEY_NOTICE); keys ride on
// location answers and, for a bound node, on broadcasts. One of the concerns SecureStation
// (secure-station.ts) composes; DMs themselves are private-messages.ts.
import type { SecureState, KeyMessageKind } from "./secure-state";
import type { PendingDm } from "./private-messages";
import { airtimeMs, type LoRaModulation } from "../airtime";
import { decodeFrame } from "../codec";
import { DEFAULT_CONFIG } from "../config";
import { type DataFrame, type FloodFrame, FrameType, MAX_FRAME_BYTES, MAX_UNICAST_PAYLOAD, shortId } from "../frames";
import { slotTimeMs, widestContentionMs } from "../presets";
import { quietDue } from "../flood-handover";
import { BROADCAST, formatNodeId, isUnicastId, type NodeId, type PriorityLevel, type SendResult, type StationEvent } from "../station";
import { sameBytes } from "./bytes";
import { KEY_MESSAGE_BYTES, KEY_OFFER_BYTES, KEYED_DM_EXTRA_BYTES, KEYED_PLAIN_OVERHEAD_BYTES, PLAIN_OVERHEAD_BYTES, PayloadKind, keyMessage, keyOffer, readKeyOffer } from "./dm-seal";
import { SEAL_OVERHEAD_BYTES } from "./frame-seal";
import { PUBLIC_KEY_BYTES } from "./key-frame";
import { isBoundKey } from "./key-id";
import { locateTarget, splitLocateKey, withLocateKey } from "./locate-key";
import { fingerprint } from "./peer-keys";
import { MAX_SEQ_MAP, retriable } from "./secure-state";
import { setNewest } from "../bounded";

/** Tries of a routed key message booked against the key budget: the first and the core's default e2eRetries (1). */
const KEY_MESSAGE_COPIES = 2;
/**
 * Rule `keyAskInTime` (docs/security.md §8): where a flooded answer takes longer than the retry
 * interval, a key request is asked again only when its answer can still come back before the last
 * DM waiting for it gives up (`keyWaitMs`). The time an answer
 * takes is reckoned as a flooded round trip of KEY_ROUND_TRIP_HOPS hops each way, each hop the
 * longest relay contention (2^floodContentionCw slots, the inner node's setting) and
 * one key message's airtime: 111 s at LONG_SLOW (SF12), 61 s at LONG_MODERATE, 32 s at LONG_FAST, 14 s at MEDIUM_FAST.
 */
export const KEY_ROUND_TRIP_HOPS = 2;

/**
 * Rule `keyAnswerAtMinuteEnd` (docs/security.md §8; off by default): a key request from an asker answered less than
 * a minute ago (keyAnswerPerPeerMs, §13.4) is answered when that minute ends, if it ends within
 * LATE_ANSWER_MAX_WAIT_MS, instead of being ignored; one such answer per asker, at most
 * MAX_LATE_ANSWERS, called off when the asker shows it holds our key (a DM from it opened). Still
 * at most one answer per asker a minute, within the key airtime share. Why: the asker's retry can
 * reach us less than a minute after our first answer when its first request was held up on the
 * way, and ignoring it left the asker's DM one chance fewer in its key wait.
 */
export const LATE_ANSWER_MAX_WAIT_MS = 20_000;
const MAX_LATE_ANSWERS = 4;

/** Refused key messages held for a retry: one per peer, the oldest pushed out by a newer one. */
const MAX_HELD_KEY_MESSAGES = 4;

/**
 * Rule `quietCacheOffer` (docs/security.md §8): a neighbour of an asker that hears the asker's own
 * flooded KEY_REQUEST and holds the target's bound key offers it (KEY_OFFER), but only once the
 * flood has passed: it waits until it has heard no copy of the request for the longest relay
 * contention (2^floodContentionCw slots, the inner node's setting) and
 * CACHE_OFFER_QUIET_FRAMES frames, plus its rank (0 … CACHE_OFFER_RANKS − 1 offer airtimes, from
 * its id and the request's seq), and calls the offer off when it hears another node's offer or the
 * owner's answer to the asker first. Offers sent the moment the flood was heard collided with the
 * relays of that flood at the asker and flooded in turn (docs/simulator.md, "Losses by cause").
 */
export const CACHE_OFFER_QUIET_FRAMES = 2;
export const CACHE_OFFER_RANKS = 8;
/** An offer still waiting this long after the request was first heard goes anyway (copies keep coming on a busy channel). */
export const CACHE_OFFER_MAX_WAIT_MS = 20_000;
/** Offers waiting at once: one per (asker, owner), the oldest dropped. */
const MAX_PENDING_OFFERS = 4;

/** A cache offer waiting for the flood it answers to pass (rule `quietCacheOffer`). */
export interface PendingOffer {
  readonly asker: NodeId;
  readonly owner: NodeId;
  readonly publicKey: Uint8Array;
  readonly seq: number;
  /** When the last copy of the request was heard. */
  lastCopy: number;
  /** The latest the offer may wait until (CACHE_OFFER_MAX_WAIT_MS after the request). */
  readonly deadline: number;
  /** The quiet the offer waits for after the last copy, including its rank, ms. */
  readonly waitMs: number;
}


/** The rank of this node among the holders that may answer one request, 0 … CACHE_OFFER_RANKS − 1. */
export function cacheOfferRank(self: NodeId, seq: number): number {
  let h = Math.imul(self ^ Math.imul(seq + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % CACHE_OFFER_RANKS;
}

/** A key message the inner station refused for now (no route back yet), retried from tick(). */
interface HeldKeyMessage {
  readonly dst: NodeId;
  readonly kind: KeyMessageKind;
  readonly deadline: number;
  next: number;
  lastReason: string;
}

export interface FirstContactOptions {
  readonly modem: LoRaModulation;
  readonly keyAnswerPerPeerMs?: number;
  readonly keyRetryMs?: number;
  readonly keyOnBroadcastMs?: number;
  /** Rule `lookupCarriesKey` (default on): no key on a broadcast while the inner node's lookups run. */
  readonly lookupCarriesKey?: boolean;
  /** Rule `keyAskAfterMinute` (default on): the second key request waits out the answerer's minute (keyAnswerPerPeerMs), the third keeps its time. */
  readonly keyAskAfterMinute?: boolean;
  /** Rule `keyAnswerAtMinuteEnd` (default off, docs/security.md §8): a request inside an asker's minute is answered when the minute ends (LATE_ANSWER_MAX_WAIT_MS at most). */
  readonly keyAnswerAtMinuteEnd?: boolean;
  /** The inner node's relay contention exponent (`MeshConfig.floodContentionCw`; DEFAULT_CONFIG's when absent). */
  readonly floodContentionCw?: number;
}

export class FirstContact {
  readonly s: SecureState;
  /** Airtime a routed key message is booked at. */
  readonly keyMessageMs: number;
  readonly #answerPerPeerMs: number;
  readonly #keyRetryMs: number;
  readonly #keyOnBroadcastMs: number;
  readonly #lookupCarriesKey: boolean;
  readonly #askAfterMinute: boolean;
  readonly #answerAtMinuteEnd: boolean;
  /** Answers owed when an asker's minute ends (rule `keyAnswerAtMinuteEnd`). */
  #lateAnswers: Array<{ readonly peer: NodeId; readonly due: number }> = [];
  #lastKeyedBroadcast = -Infinity;
  #heldKeys: HeldKeyMessage[] = [];
  #offers: PendingOffer[] = [];
  /** A key request's answer as a flooded round trip, ms (rule `keyAskInTime`). */
  readonly answerRoundTripMs: number;
  /** Quiet after a flood copy before a cache offer (without its rank), and one offer's airtime, ms. */
  readonly #offerQuietMs: number;
  readonly #offerMs: number;
  /** Key requests sent to each peer whose key is still awaited: the backoff's exponent. */
  readonly #asks = new Map<NodeId, number>();
  readonly #lastAnswer = new Map<NodeId, number>();

  constructor(s: SecureState, o: FirstContactOptions) {
    this.s = s;
    // A routed key message: a DATA frame with the 33-byte envelope, sealed, booked as the copies
    // it may cost (it asks for an end-to-end ACK: the first try and the core's retry).
    this.keyMessageMs = KEY_MESSAGE_COPIES * airtimeMs(o.modem, Math.min(MAX_FRAME_BYTES, MAX_FRAME_BYTES - MAX_UNICAST_PAYLOAD + Math.max(KEY_MESSAGE_BYTES, KEY_OFFER_BYTES) + SEAL_OVERHEAD_BYTES));
    this.#keyOnBroadcastMs = o.keyOnBroadcastMs ?? 3_600_000;
    this.#lookupCarriesKey = o.lookupCarriesKey ?? true;
    this.#answerPerPeerMs = o.keyAnswerPerPeerMs ?? 60_000;
    this.#keyRetryMs = o.keyRetryMs ?? 30_000;
    this.#askAfterMinute = o.keyAskAfterMinute ?? true;
    this.#answerAtMinuteEnd = o.keyAnswerAtMinuteEnd ?? false;
    const frameMs = this.keyMessageMs / KEY_MESSAGE_COPIES;
    this.#offerMs = frameMs;
    // The longest relay contention of a flood copy (`Flooding.contention`), the same for every hop.
    const contentionMs = widestContentionMs(o.floodContentionCw ?? DEFAULT_CONFIG.floodContentionCw, slotTimeMs(o.modem));
    this.#offerQuietMs = contentionMs + CACHE_OFFER_QUIET_FRAMES * frameMs;
    this.answerRoundTripMs = 2 * KEY_ROUND_TRIP_HOPS * (contentionMs + frameMs);
  }

  // --- learning keys -------------------------------------------------------------------------

  learn(id: NodeId, publicKey: Uint8Array, now: number, useBudget = true): void {
    const s = this.s;
    if (s.peers === undefined) return;
    if (s.bindingRequired && !isBoundKey(id, publicKey)) {
      s.stats.unboundKeys++;
      return;
    }
    // The user's contact is the key this node talks to: another key for its id is refused like
    // one for a pinned peer.
    const contact = s.contacts.keyOf(id);
    const r = contact !== undefined && !sameBytes(contact, publicKey) ? "conflict" : s.peers.learn(id, publicKey, now, useBudget);
    if (r === "new") {
      s.stats.keysLearned++;
      this.#asks.delete(id);
      s.dms.onKeyLearned(id, now);
    } else if (r === "conflict") {
      s.stats.keyConflicts++;
      const held = s.fingerprintOf(id) ?? (contact !== undefined ? `${fingerprint(contact)} (a contact)` : "another key");
      s.events.push({ type: "log", at: now, level: "warn", text: `security: ${fingerprint(publicKey)} announced for ${id.toString(16).padStart(8, "0")}, which is pinned to ${held}: refused` });
    } else if (r === "invalid") s.stats.badKeys++;
    else if (r === "busy") s.stats.keysDeferred++;
  }

  /**
   * Whether a key request from `peer` may be answered now (§13.4): once per keyAnswerPerPeerMs
   * per peer, and only while key traffic stays within its share of the hour. `record` books the
   * airtime at once (a routed message; a KEY frame is booked when it went out).
   */
  mayAnswer(peer: NodeId, now: number, ms: number, record: boolean): boolean {
    const last = this.#lastAnswer.get(peer);
    if (last !== undefined && now - last < this.#answerPerPeerMs) return false;
    if (!this.s.keyBudget.allows(now, ms)) {
      this.s.stats.keyRequestsOverBudget++;
      return false;
    }
    setNewest(this.#lastAnswer, peer, now, MAX_SEQ_MAP);
    if (record) this.s.keyBudget.record(now, ms);
    return true;
  }

  /**
   * A bound key for `dst` from the user's contacts or else the cache, learned for our own use (no work budget: our user asked
   * for it). True when the peer's key is now known.
   */
  keyFromCache(dst: NodeId, now: number): boolean {
    if (this.keyFromContacts(dst, now)) return true;
    if (!this.#learnOwn(dst, this.s.cache.get(dst), now)) return false;
    this.s.stats.keysFromCache++;
    return true;
  }

  /**
   * The key of `id` from the user's contacts (contacts.ts), learned for our own use like a cached
   * one (no work budget). True when the peer's key is now known.
   */
  keyFromContacts(id: NodeId, now: number): boolean {
    if (!this.#learnOwn(id, this.s.contacts.keyOf(id), now)) return false;
    this.s.stats.keysFromContacts++;
    return true;
  }

  /** Learns `key` (if any) for `id` for our own use (no work budget); true when it is now held. */
  #learnOwn(id: NodeId, key: Uint8Array | undefined, now: number): boolean {
    if (key === undefined || this.s.peers === undefined) return false;
    this.learn(id, key, now, false);
    return this.s.peers.has(id);
  }

  /**
   * A key `id` is bound to, from the peers held, the contacts or else the cache (a cache answer serves only bound
   * keys). The pinned key comes first: it is the one this node talks to, and a second key ground
   * out for the same 32-bit id and offered to the cache must not be handed on in its place.
   */
  #boundKeyOf(id: NodeId): Uint8Array | undefined {
    const held = this.s.peers?.publicKeyOf(id);
    if (held !== undefined && isBoundKey(id, held)) return held;
    return this.s.contacts.keyOf(id) ?? this.s.cache.get(id);
  }

  /**
   * Any key seen on the way (a neighbour's KEY frame, a key message or keyed DM relayed or
   * overheard) goes to the cache when bound to its id; a DM of ours waiting for it is released.
   */
  cacheKey(id: NodeId, publicKey: Uint8Array, now: number): void {
    const s = this.s;
    if (!s.cache.offer(id, publicKey) || s.peers === undefined || s.peers.has(id)) return;
    if (s.dms.awaitsKey(id)) {
      this.learn(id, publicKey, now, false);
      if (s.peers.has(id)) s.stats.keysFromCache++;
    }
  }

  // --- keys on the air: location answers, broadcasts, relayed frames -------------------------

  /**
   * A LOCATE_A goes out with the target's bound key on it, when this node holds that key and the
   * duty-cycle plan has room for the key's bytes now (the inner node booked the answer without
   * them; transmitDone books them).
   */
  withLocateKey(inner: Uint8Array, now: number, priority: PriorityLevel): Uint8Array {
    const s = this.s;
    const target = locateTarget(inner);
    if (target === undefined || s.peers === undefined) return inner;
    const publicKey = target === s.id ? (s.selfBound ? s.peers.publicKey : undefined) : this.#boundKeyOf(target);
    if (publicKey === undefined) return inner;
    if ((s.inner.foreignFrameStart?.(now, PUBLIC_KEY_BYTES, priority) ?? now) > now) {
      s.stats.keyedLocateDeferred++;
      return inner;
    }
    s.stats.keyedLocateSent++;
    return withLocateKey(inner, publicKey);
  }

  /** A frame heard (not a KEY frame): a location answer's key is taken off and cached, keys in DATA peeked at. */
  onHeard(inner: Uint8Array, now: number): Uint8Array {
    const located = splitLocateKey(inner);
    if (located.publicKey !== undefined && located.target !== undefined) {
      this.s.stats.keyedLocateReceived++;
      this.cacheKey(located.target, located.publicKey, now);
    }
    return this.#peekKeys(located.frame, now);
  }

  /**
   * Keys carried by a DATA frame this node hears, whoever it is for, go to the cache (bound ones
   * only). A key request this node is to relay, for a peer whose bound key it holds, is answered
   * here with a KEY_OFFER (a cache answer, docs/security.md §8), and relayed on as a KEY_NOTICE:
   * the target still learns the asker's key but does not answer a second time. Rule
   * `neighbourCacheAnswer`: only when the asker is a usable neighbour, the offer sent as one
   * confirmed hop; a relay further on passes the request on unchanged and the owner answers (an
   * offer sent as an ordinary routed message flooded when its route back failed, and the request,
   * turned into a notice, left the owner silent). Returns the frame to hand the inner node.
   */
  #peekKeys(inner: Uint8Array, now: number): Uint8Array {
    const s = this.s;
    const type = inner[0] & 15;
    if ((type !== FrameType.DATA && type !== FrameType.FLOOD) || s.peers === undefined) return inner;
    const d = decodeFrame(inner);
    if (!d.ok || (d.frame.type !== FrameType.DATA && d.frame.type !== FrameType.FLOOD)) return inner;
    const f = d.frame;
    // A frame for this node is read when it is delivered (SecureStation's dispatch), counted there.
    if (f.dst === s.id) return inner;
    const p = f.payload;
    const kind = p.length > 0 ? p[0] : -1;
    const keyMsg = kind === PayloadKind.KEY_REQUEST || kind === PayloadKind.KEY_ANSWER || kind === PayloadKind.KEY_NOTICE;
    if (keyMsg && p.length === KEY_MESSAGE_BYTES) this.cacheKey(f.src, p.subarray(1), now);
    else if (kind === PayloadKind.KEYED_DM && p.length > KEYED_DM_EXTRA_BYTES) this.cacheKey(f.src, p.subarray(1, KEYED_DM_EXTRA_BYTES), now);
    else if (kind === PayloadKind.KEY_OFFER) {
      const o = readKeyOffer(p);
      if (o !== undefined && isUnicastId(o.owner)) {
        this.cacheKey(o.owner, o.publicKey, now);
        this.#callOffOffer(f.dst, o.owner);
      }
    }
    // The owner's answer (or its own request, which carries its key) to the asker.
    if ((kind === PayloadKind.KEY_ANSWER || kind === PayloadKind.KEY_REQUEST) && p.length === KEY_MESSAGE_BYTES) this.#callOffOffer(f.dst, f.src);
    if (kind !== PayloadKind.KEY_REQUEST || p.length !== KEY_MESSAGE_BYTES) return inner;
    if (f.src === s.id || !isUnicastId(f.dst) || !isUnicastId(f.src)) return inner;
    if (f.type === FrameType.FLOOD) return this.#floodedRequest(f, inner, now);
    if (f.next !== s.id) return inner;
    const publicKey = this.#boundKeyOf(f.dst);
    if (publicKey === undefined) return inner;
    // Rule `neighbourCacheAnswer`: only for an asker that is a usable neighbour, one hop (below).
    if (s.inner.usableNeighbour?.(f.src, now) !== true) return inner;
    if (!this.mayAnswer(f.src, now, this.keyMessageMs, true)) {
      s.stats.keyRequestsIgnored++;
      return inner;
    }
    if (!this.#sendKeyMessage(now, f.src, PayloadKind.KEY_OFFER, { owner: f.dst, publicKey }, true).ok) return inner;
    s.stats.cacheAnswers++;
    return asNotice(inner, f);
  }

  /**
   * A copy of a flooded key request (rule `quietCacheOffer`): a copy of one this node is to answer
   * restarts its quiet; the asker's own copy, heard by a neighbour of the asker holding the
   * target's bound key, is answered once the flood has passed, and (as a named forwarder) passed on
   * as a KEY_NOTICE, so the target learns the asker's key but does not answer a second time.
   */
  #floodedRequest(f: FloodFrame, inner: Uint8Array, now: number): Uint8Array {
    const s = this.s;
    const waiting = this.#offers.find((o) => o.asker === f.src && o.owner === f.dst);
    if (waiting !== undefined) {
      if (waiting.seq === f.seq) waiting.lastCopy = now;
      return waiting.seq === f.seq ? asNotice(inner, f) : inner;
    }
    if (f.tx !== f.src || s.inner.usableNeighbour?.(f.src, now) !== true) return inner;
    const publicKey = this.#boundKeyOf(f.dst);
    if (publicKey === undefined) return inner;
    // The budget is checked now and charged when the offer goes (`sendDueOffers`): one called off costs nothing.
    if (!this.mayAnswer(f.src, now, this.keyMessageMs, false)) {
      s.stats.keyRequestsIgnored++;
      return inner;
    }
    if (this.#offers.length >= MAX_PENDING_OFFERS) this.#offers.shift();
    const waitMs = this.#offerQuietMs + cacheOfferRank(s.id, f.seq) * this.#offerMs;
    this.#offers.push({ asker: f.src, owner: f.dst, publicKey, seq: f.seq, lastCopy: now, deadline: now + CACHE_OFFER_MAX_WAIT_MS, waitMs });
    return f.forwarders === undefined || f.forwarders.includes(shortId(s.id)) ? asNotice(inner, f) : inner;
  }

  /** Another node's offer of `owner`'s key to `asker`, or the owner's own answer, was heard: ours is not needed. */
  #callOffOffer(asker: NodeId, owner: NodeId): void {
    const i = this.#offers.findIndex((o) => o.asker === asker && o.owner === owner);
    if (i < 0) return;
    this.#offers.splice(i, 1);
    this.s.stats.cacheOffersSuppressed++;
  }

  /** Sends the cache offers whose request's flood has passed (rule `quietCacheOffer`). */
  sendDueOffers(now: number): void {
    if (this.#offers.length === 0) return;
    const keep: PendingOffer[] = [];
    for (const o of this.#offers) {
      if (now < quietDue(o)) keep.push(o);
      // One confirmed hop to the asker, never a flood: an offer that cannot cross one hop is not worth a network's airtime (the asker asks again).
      else if (this.#sendKeyMessage(now, o.asker, PayloadKind.KEY_OFFER, { owner: o.owner, publicKey: o.publicKey }, true).ok) {
        this.s.keyBudget.record(now, this.keyMessageMs);
        this.s.stats.cacheAnswers++;
      }
    }
    this.#offers = keep;
  }

  /**
   * Our key, when it is to ride on this message: a broadcast of a bound node, at most once per
   * keyOnBroadcastMs, when it fits (`max`: the plain payload limit). keyedBroadcastSent records it.
   */
  broadcastKey(now: number, dst: NodeId, payloadBytes: number, max: number): Uint8Array | undefined {
    const s = this.s;
    const keyed =
      dst === BROADCAST && s.selfBound && s.peers !== undefined && this.#keyOnBroadcastMs > 0 &&
      now - this.#lastKeyedBroadcast >= this.#keyOnBroadcastMs && payloadBytes + KEYED_PLAIN_OVERHEAD_BYTES <= max + PLAIN_OVERHEAD_BYTES;
    if (!keyed) return undefined;
    // Rule `lookupCarriesKey` (docs/security.md §8, rule 5; why and figures there): no key while the
    // inner node's lookups run (`Station.lookupsRun`). Across such a mesh a writer locates us first
    // and our location answer carries the key; on a broadcast its 33 bytes ride on every relay.
    if (this.#lookupCarriesKey && s.inner.lookupsRun?.(now) === true) {
      s.stats.broadcastKeysSpared++;
      return undefined;
    }
    return s.peers?.publicKey;
  }

  keyedBroadcastSent(now: number): void {
    this.#lastKeyedBroadcast = now;
    this.s.stats.keyedBroadcasts++;
  }

  // --- key messages for this node ------------------------------------------------------------

  /** A KEY_OFFER for this node: taken only when the key is bound to its owner. */
  onKeyOffer(e: Extract<StationEvent, { type: "delivered" }>): void {
    const s = this.s;
    if (s.peers === undefined) return;
    const o = readKeyOffer(e.payload);
    if (o === undefined) return void s.stats.badEnvelope++;
    if (!isBoundKey(o.owner, o.publicKey)) return void s.stats.unboundKeys++;
    const had = s.peers.has(o.owner);
    this.cacheKey(o.owner, o.publicKey, e.at);
    if (!had && s.peers.has(o.owner)) s.stats.keyOffersTaken++;
  }

  /** A KEY_REQUEST, KEY_ANSWER or KEY_NOTICE for this node (`kind`, envelope length checked). */
  onKeyMessage(e: Extract<StationEvent, { type: "delivered" }>, kind: number): void {
    const s = this.s;
    if (s.peers === undefined) return;
    // An answer, or a request a cache answered on the way, shows the peer holds our key (noted
    // first: the DMs its key releases then go without ours). A key we refuse proves nothing.
    const key = e.payload.subarray(1, 1 + PUBLIC_KEY_BYTES);
    const answered = kind !== PayloadKind.KEY_REQUEST && (!s.bindingRequired || isBoundKey(e.src, key));
    if (answered) s.remember(s.knowsUs, e.src, true);
    this.learn(e.src, key, e.at);
    if (answered && !sameBytes(s.peers.publicKeyOf(e.src) ?? new Uint8Array(0), key)) s.knowsUs.delete(e.src);
    if (kind !== PayloadKind.KEY_REQUEST) return;
    // A request shows the peer lacks our key now (a reset, an eviction): what it showed before is stale.
    s.knowsUs.delete(e.src);
    this.answerOrAsk(e.src, e.at, PayloadKind.KEY_ANSWER);
  }

  /** Sends `peer` our key (an answer, or a request when we need its key too) within the §13.4 limits. */
  answerOrAsk(peer: NodeId, now: number, kind: typeof PayloadKind.KEY_ANSWER | typeof PayloadKind.KEY_REQUEST): void {
    if (this.mayAnswer(peer, now, this.keyMessageMs, true)) this.#sendOrHoldKeyMessage(now, peer, kind);
    else if (!(kind === PayloadKind.KEY_ANSWER && this.#answerLater(peer, now))) this.s.stats.keyRequestsIgnored++;
  }

  /**
   * Rule `keyAnswerAtMinuteEnd`: a request inside the asker's minute is answered when the minute
   * ends, if that is within LATE_ANSWER_MAX_WAIT_MS; true when the answer is now owed. One per
   * asker (a later request within the same minute adds nothing), MAX_LATE_ANSWERS in all, the
   * oldest pushed out: a forger gets no more answers than by asking again when the minute ends.
   */
  #answerLater(peer: NodeId, now: number): boolean {
    const last = this.#lastAnswer.get(peer);
    if (!this.#answerAtMinuteEnd || last === undefined) return false;
    const due = last + this.#answerPerPeerMs;
    if (due <= now || due - now > LATE_ANSWER_MAX_WAIT_MS) return false;
    if (this.#lateAnswers.some((l) => l.peer === peer)) return true;
    if (this.#lateAnswers.length >= MAX_LATE_ANSWERS) this.#lateAnswers.shift();
    this.#lateAnswers.push({ peer, due });
    this.s.stats.keyAnswersLate++;
    return true;
  }

  /** Sends the answers owed whose asker's minute has ended, unless the asker has shown it holds our key (rule `keyAnswerAtMinuteEnd`). */
  sendLateAnswers(now: number): void {
    if (this.#lateAnswers.length === 0) return;
    const keep: Array<{ readonly peer: NodeId; readonly due: number }> = [];
    for (const l of this.#lateAnswers) {
      if (now < l.due) keep.push(l);
      else if (this.s.knowsUs.has(l.peer)) this.s.stats.keyAnswersLateSpared++;
      else this.answerOrAsk(l.peer, now, PayloadKind.KEY_ANSWER);
    }
    this.#lateAnswers = keep;
  }

  // --- key requests and answers --------------------------------------------------------------

  /** Key request to a DM's destination through routed DATA (it may be many hops away). */
  askForKey(p: PendingDm, now: number): void {
    const s = this.s;
    if (s.peers === undefined || p.retryAt !== undefined || now < p.nextAsk) return;
    if (this.keyFromCache(p.dst, now)) return;
    const pending = s.dms.pendingTo(p.dst);
    if (this.#tooLate(pending, now)) {
      s.stats.keyRequestsTooLate++;
      for (const q of pending) q.nextAsk = now + this.#askBackoffMs(p.dst);
      return;
    }
    const r = this.#sendKeyMessage(now, p.dst, PayloadKind.KEY_REQUEST);
    // Refused for now (no neighbour yet, queue full): ask again soon rather than a retry interval later.
    const refused = !r.ok && retriable(r.code);
    const retried = r.ok && pending.some((q) => q.askRefused);
    if (retried) s.stats.keyRequestsRetried++;
    // One request per destination per retry interval, however many DMs wait for it; the
    // interval doubles with each request still unanswered (no retry storm toward a peer that
    // cannot answer). A request the inner station gives up on is asked again at once (onKeyMessageLost).
    let next = now + s.retryMs;
    if (!refused) {
      next = now + this.#askBackoffMs(p.dst);
      s.remember(this.#asks, p.dst, (this.#asks.get(p.dst) ?? 0) + 1);
    }
    for (const q of pending) {
      q.nextAsk = next;
      q.askRefused = refused;
      if (r.ok) q.asked = true;
    }
  }

  /** The wait before the next request to `dst`: the retry interval, doubled per request still unanswered (at most 16×). */
  #askBackoffMs(dst: NodeId): number {
    const asked = this.#asks.get(dst) ?? 0;
    const backoff = this.#keyRetryMs * 2 ** Math.min(asked, 4);
    return asked <= 1 && this.#askAfterMinute ? this.#afterMinute(asked, backoff) : backoff;
  }

  /**
   * Rule `keyAskAfterMinute` (docs/security.md §8): the second request waits out the answerer's
   * one answer a minute per asker (keyAnswerPerPeerMs, §13.4) instead of the 30-s retry interval,
   * so it is not spent on an answerer still inside its minute; the third keeps its time (90 s), so
   * a DM's 120-s key wait still holds three requests (0, 60, 90 s; before 0, 30, 90 s).
   */
  #afterMinute(asked: number, backoff: number): number {
    const shift = Math.max(0, this.#answerPerPeerMs - this.#keyRetryMs);
    // The third never comes sooner than the retry interval after the second (a short keyRetryMs
    // would otherwise send the two at once).
    return asked === 0 ? backoff + shift : Math.max(this.#keyRetryMs, backoff - shift);
  }

  /**
   * Rule `keyAskInTime`: a request has gone out for these DMs and another could not bring its
   * answer back before the last of them gives up. On a slow modulation a retry's answer comes too
   * late to release them and only adds a flood to a channel already losing the first one
   * (rural-long-range, SF12: docs/security.md §8). Only where a flooded answer takes longer than
   * the retry interval (LONG_SLOW, LONG_MODERATE, LONG_FAST): on faster modulations it would only drop the
   * re-asks of a wait's last seconds (duty-cycle-stress: 1 message fewer in 908, +2.4 % airtime).
   */
  #tooLate(pending: readonly PendingDm[], now: number): boolean {
    if (this.answerRoundTripMs <= this.#keyRetryMs || !pending.some((q) => q.asked)) return false;
    let last = -Infinity;
    for (const q of pending) if (q.retryAt === undefined && q.deadline > last) last = q.deadline;
    return now + this.answerRoundTripMs > last;
  }

  #sendKeyMessage(now: number, dst: NodeId, kind: KeyMessageKind, offered?: { readonly owner: NodeId; readonly publicKey: Uint8Array }, oneHop = false): SendResult {
    const s = this.s;
    if (s.peers === undefined) return { ok: false, code: "bad-destination", reason: "this node has no key pair" };
    if (kind === PayloadKind.KEY_OFFER) {
      if (offered === undefined) return { ok: false, code: "bad-destination", reason: "a key offer names the key it offers" };
      const r = s.inner.send(now, dst, keyOffer(offered.owner, offered.publicKey), { priority: 2, oneHop, wayBack: !oneHop });
      if (r.ok) s.remember(s.internal, `${dst}:${r.seq}`, kind);
      return r;
    }
    // Hop ACKs and the inner node's fallbacks carry it like any DATA, but no end-to-end ACK:
    // measured, the ACK's retry and the path distrust it brings cost more than they recover
    // (docs/security.md §8, "First contact"); the asker's own backoff re-asks instead.
    // Rule `keyWayBack` (docs/protocol.md §14): an answer goes back the way the request's flood came.
    const wayBack = kind === PayloadKind.KEY_ANSWER;
    const r = s.inner.send(now, dst, keyMessage(kind as typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER, s.peers.publicKey), { priority: 2, wayBack });
    if (r.ok) {
      s.remember(s.internal, `${dst}:${r.seq}`, kind);
      if (kind === PayloadKind.KEY_ANSWER) s.stats.keyAnswersSent++;
      else s.stats.keyRequestsSent++;
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
    const held: HeldKeyMessage = { dst, kind, deadline: now + this.s.keyWaitMs, next: now + this.s.retryMs, lastReason: r.reason };
    if (!retriable(r.code)) return this.#dropKeyMessage(held, now, r.reason);
    if (this.#heldKeys.length >= MAX_HELD_KEY_MESSAGES) {
      const oldest = this.#heldKeys.shift() as HeldKeyMessage;
      this.#dropKeyMessage(oldest, now, "pushed out by newer key messages");
    }
    this.#heldKeys.push(held);
  }

  /** Tries the held key messages whose time has come; drops those past their deadline. */
  retryKeyMessages(now: number): void {
    if (this.#heldKeys.length === 0) return;
    const keep: HeldKeyMessage[] = [];
    for (const h of this.#heldKeys) {
      if (now >= h.deadline) {
        this.#dropKeyMessage(h, now, `still refused after ${Math.round(this.s.keyWaitMs / 1000)} s: ${h.lastReason}`);
        continue;
      }
      if (now < h.next) {
        keep.push(h);
        continue;
      }
      const r = this.#sendKeyMessage(now, h.dst, h.kind);
      if (r.ok) {
        if (h.kind === PayloadKind.KEY_ANSWER) this.s.stats.keyAnswersRetried++;
        else this.s.stats.keyRequestsRetried++;
      } else if (!retriable(r.code)) {
        this.#dropKeyMessage(h, now, r.reason);
      } else {
        h.next = now + this.s.retryMs;
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
  onKeyMessageLost(dst: NodeId, kind: KeyMessageKind, now: number): void {
    if (kind !== PayloadKind.KEY_REQUEST) {
      this.s.stats.keyAnswersLost++;
      return;
    }
    this.s.stats.keyRequestsLost++;
    for (const p of this.s.dms.pendingTo(dst)) if (p.retryAt === undefined && !p.askRefused) p.nextAsk = Math.min(p.nextAsk, now);
  }

  #dropKeyMessage(h: HeldKeyMessage, now: number, reason: string): void {
    const answer = h.kind === PayloadKind.KEY_ANSWER;
    if (answer) this.s.stats.keyAnswersDropped++;
    else this.s.stats.keyRequestsDropped++;
    this.s.events.push({ type: "log", at: now, level: "info", text: `security: key ${answer ? "answer" : "request"} to ${formatNodeId(h.dst)} not sent: ${reason}` });
  }

  /** `t`, or earlier when a held key message or a cache offer is due. */
  wakeup(t: number): number {
    for (const h of this.#heldKeys) t = Math.min(t, h.deadline, h.next);
    for (const o of this.#offers) t = Math.min(t, quietDue(o));
    for (const l of this.#lateAnswers) t = Math.min(t, l.due);
    return t;
  }
}

/** A key request passed on as a KEY_NOTICE (a cache answered it): the same frame, its envelope kind changed. */
function asNotice(inner: Uint8Array, f: DataFrame | FloodFrame): Uint8Array {
  const out = inner.slice();
  out[inner.length - f.payload.length] = PayloadKind.KEY_NOTICE;
  return out;
}
