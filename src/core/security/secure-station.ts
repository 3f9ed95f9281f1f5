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
import { MAX_UNICAST_PAYLOAD, MAX_BCAST_PAYLOAD } from "../frames";
import { BROADCAST, isUnicastId, type NodeId, type RxMeta, type SendOptions, type SendResult, type Station, type StationEvent, type TxFrame } from "../station";
import { readU32LE } from "./bytes";
import { DM_OVERHEAD_BYTES, KEY_MESSAGE_BYTES, PayloadKind, PLAIN_OVERHEAD_BYTES, keyMessage, openDm, plainEnvelope, sealDm } from "./dm-seal";
import { FrameCounter, type CounterStore } from "./frame-counter";
import { KEY_FRAME_TYPE, SEAL_OVERHEAD_BYTES, openFrame, sealFrame } from "./frame-seal";
import { decodeKeyFrame, encodeKeyFrame, PUBLIC_KEY_BYTES } from "./key-frame";
import { networkKeys, type NetworkKeys } from "./keys";
import { PeerKeys, fingerprint } from "./peer-keys";
import { ReplayWindow } from "./replay-window";

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
  /** DMs held while their peer's key is being fetched (default 8). */
  readonly maxPendingDms?: number;
  /** How long a DM waits for its peer's key before it fails (default 120 s). */
  readonly keyWaitMs?: number;
  /** Interval between key requests to a peer that has not answered (default 30 s). */
  readonly keyRetryMs?: number;
  /** A KEY frame answers requests at most this often (default 10 s): one answer serves every asker. */
  readonly keyAnswerIntervalMs?: number;
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
  /** Frames carrying this node's own id as tx: reflections of its own transmissions. */
  ownFrame: number;
  keyFramesSent: number;
  keysLearned: number;
  /** A different key announced for a pinned peer (refused, TOFU). */
  keyConflicts: number;
  badKeys: number;
  dmSent: number;
  dmReceived: number;
  /** DMs whose end-to-end tag failed, or that replayed an earlier DM. */
  dmRejected: number;
  dmQueued: number;
  dmFailed: number;
  /** Delivered payloads without a valid envelope. */
  badEnvelope: number;
}

interface PendingDm {
  readonly dst: NodeId;
  readonly payload: Uint8Array;
  readonly options: SecureSendOptions;
  readonly appSeq: number;
  readonly deadline: number;
  nextAsk: number;
}

/** A DM that arrived before its sender's key (held briefly, decrypted when the key comes). */
interface HeldDm {
  readonly event: Extract<StationEvent, { type: "delivered" }>;
  readonly until: number;
}

const MAX_HELD_DMS = 4;
const MAX_SEQ_MAP = 64;
const KEY_FRAME_PRIORITY = 1;

export class SecureStation implements Station {
  readonly id: NodeId;
  readonly inner: Station;
  readonly #keys: NetworkKeys;
  readonly #counter: FrameCounter;
  readonly #window: ReplayWindow;
  readonly #dmWindow: ReplayWindow;
  readonly #peers: PeerKeys | undefined;
  readonly #maxPending: number;
  readonly #keyWaitMs: number;
  readonly #keyRetryMs: number;
  readonly #keyAnswerMs: number;
  readonly #stats: SecurityStats = {
    sealed: 0, sealFailed: 0, opened: 0, truncated: 0, oversized: 0, badHeader: 0, badTag: 0, replayed: 0, tooOld: 0, ownFrame: 0,
    keyFramesSent: 0, keysLearned: 0, keyConflicts: 0, badKeys: 0, dmSent: 0, dmReceived: 0, dmRejected: 0, dmQueued: 0, dmFailed: 0, badEnvelope: 0,
  };
  #events: StationEvent[] = [];
  /** A KEY frame waiting to go out: with the request flag at boot, without it as an answer. */
  #keyOut: { request: boolean; at: number } | undefined;
  #lastKeyFrameAt = -Infinity;
  /** Who supplied the frame last returned by pollTransmit. */
  #lastFrom: "inner" | "key" | undefined;
  /** The last sealed inner frame, kept while the channel was busy so a retry reuses its counter. */
  #busy: { inner: Uint8Array; sealed: Uint8Array } | undefined;
  #pending: PendingDm[] = [];
  #held: HeldDm[] = [];
  /** Application sequence numbers: the inner node's (dst, seq) of each app send → the seq the app was given. */
  readonly #seqMap = new Map<string, number>();
  /** Inner (dst, seq) of the key messages this layer sent itself: their events are not the app's. */
  readonly #internal = new Set<string>();
  #appSeq = 0;
  readonly #lastAnswer = new Map<NodeId, number>();

  constructor(o: SecureStationOptions) {
    this.inner = o.inner;
    this.id = o.inner.id;
    this.#keys = networkKeys(o.networkKey);
    this.#counter = new FrameCounter(o.counterStore, o.counterBlock);
    this.#window = new ReplayWindow(o.maxSenders);
    this.#dmWindow = new ReplayWindow(o.maxPeers);
    this.#peers = o.nodeSecretKey === undefined ? undefined : new PeerKeys(this.id, o.nodeSecretKey, o.maxPeers);
    this.#maxPending = o.maxPendingDms ?? 8;
    this.#keyWaitMs = o.keyWaitMs ?? 120_000;
    this.#keyRetryMs = o.keyRetryMs ?? 30_000;
    this.#keyAnswerMs = o.keyAnswerIntervalMs ?? 10_000;
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
    return this.#innerSend(now, dst, plainEnvelope(payload), options, undefined);
  }

  #sendPrivate(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions): SendResult {
    if (this.#peers === undefined) return { ok: false, code: "bad-destination", reason: "this node has no key pair: private messages need a node secret key" };
    if (!isUnicastId(dst) || dst === this.id) return { ok: false, code: "bad-destination", reason: "a private message goes to one other node" };
    const max = MAX_UNICAST_PAYLOAD - SEAL_OVERHEAD_BYTES - DM_OVERHEAD_BYTES;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `private payload is ${payload.length} bytes; at most ${max} fit` };
    if (this.#peers.has(dst)) return this.#sendDm(now, dst, payload, options, undefined);
    if (this.#pending.length >= this.#maxPending) {
      return { ok: false, code: "queue-full", reason: `${this.#maxPending} private messages already wait for keys` };
    }
    const appSeq = this.#nextAppSeq();
    const p: PendingDm = { dst, payload: payload.slice(), options, appSeq, deadline: now + this.#keyWaitMs, nextAsk: now };
    this.#pending.push(p);
    this.#stats.dmQueued++;
    this.#askForKey(p, now);
    return { ok: true, seq: appSeq };
  }

  #sendDm(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions, appSeq: number | undefined): SendResult {
    const key = this.#peers?.dmKey(dst);
    if (key === undefined) return { ok: false, code: "bad-destination", reason: "no key for the destination" };
    const c = this.#counter.issue();
    if (!c.ok) return { ok: false, code: "queue-full", reason: `cannot seal: ${c.reason}` };
    const r = this.#innerSend(now, dst, sealDm(key, this.id, dst, c.value, payload), options, appSeq);
    if (r.ok) this.#stats.dmSent++;
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

  #remember(map: Map<string, number>, key: string, value: number): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_SEQ_MAP) map.delete(map.keys().next().value as string);
  }

  /** Key request to a DM's destination through routed DATA (it may be many hops away). */
  #askForKey(p: PendingDm, now: number): void {
    if (this.#peers === undefined || now < p.nextAsk) return;
    p.nextAsk = now + this.#keyRetryMs;
    // One request per destination per retry interval, however many DMs wait for it.
    for (const q of this.#pending) if (q.dst === p.dst) q.nextAsk = p.nextAsk;
    this.#sendKeyMessage(now, p.dst, PayloadKind.KEY_REQUEST);
  }

  #sendKeyMessage(now: number, dst: NodeId, kind: typeof PayloadKind.KEY_REQUEST | typeof PayloadKind.KEY_ANSWER): void {
    if (this.#peers === undefined) return;
    const r = this.inner.send(now, dst, keyMessage(kind, this.#peers.publicKey), { priority: 2 });
    if (r.ok) {
      this.#internal.add(`${dst}:${r.seq}`);
      if (this.#internal.size > MAX_SEQ_MAP) this.#internal.delete(this.#internal.values().next().value as string);
    }
  }

  /** A peer's key arrived: send what waited for it, decrypt what arrived before it. */
  #onKeyLearned(id: NodeId, now: number): void {
    const ready = this.#pending.filter((p) => p.dst === id);
    this.#pending = this.#pending.filter((p) => p.dst !== id);
    for (const p of ready) {
      const r = this.#sendDm(now, p.dst, p.payload, p.options, p.appSeq);
      if (!r.ok) this.#failDm(p, now, r.code, r.reason);
    }
    const held = this.#held.filter((h) => h.event.src === id);
    this.#held = this.#held.filter((h) => h.event.src !== id);
    for (const h of held) this.#deliverDm(h.event, now);
  }

  #failDm(p: PendingDm, now: number, code: string, reason: string): void {
    this.#stats.dmFailed++;
    this.#events.push({ type: "send-failed", at: now, dst: p.dst, seq: p.appSeq, code, reason });
  }

  // --- the radio side ------------------------------------------------------------------------

  pollTransmit(now: number): TxFrame | undefined {
    if (this.#keyOut !== undefined && now >= this.#keyOut.at && this.#peers !== undefined) {
      const bytes = this.#seal(encodeKeyFrame({ owner: this.id, request: this.#keyOut.request, publicKey: this.#peers.publicKey }), now);
      if (bytes !== undefined) {
        this.#lastFrom = "key";
        return { bytes, priority: KEY_FRAME_PRIORITY, kind: "control" };
      }
      this.#keyOut = undefined;
    }
    const f = this.inner.pollTransmit(now);
    if (f === undefined) return undefined;
    this.#lastFrom = "inner";
    if (this.#busy !== undefined && sameBytes(this.#busy.inner, f.bytes)) return { ...f, bytes: this.#busy.sealed };
    this.#busy = undefined;
    const sealed = this.#seal(f.bytes, now);
    if (sealed === undefined) {
      // The frame cannot go out: to the inner node it is as if lost on the air.
      this.#lastFrom = undefined;
      this.inner.transmitDone(now, "sent");
      return undefined;
    }
    this.#busy = { inner: f.bytes, sealed };
    return { ...f, bytes: sealed };
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
      }
      return;
    }
    if (from !== "inner") return;
    if (outcome === "sent") this.#busy = undefined;
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
      this.#stats.ownFrame++;
      return;
    }
    const verdict = this.#window.check(r.tx, r.counter);
    if (verdict !== "fresh") {
      if (verdict === "replayed") this.#stats.replayed++;
      else this.#stats.tooOld++;
      return;
    }
    this.#window.accept(r.tx, r.counter);
    this.#stats.opened++;
    if ((r.inner[0] & 15) === KEY_FRAME_TYPE) this.#onKeyFrame(r.inner, meta.at);
    else this.inner.receive(r.inner, meta);
  }

  #onKeyFrame(inner: Uint8Array, now: number): void {
    const k = decodeKeyFrame(inner);
    if (k === undefined || this.#peers === undefined) {
      if (k === undefined) this.#stats.badKeys++;
      return;
    }
    this.#learn(k.owner, k.publicKey, now);
    // Answer a request with one KEY frame, however many neighbours asked within the interval.
    if (k.request && this.#keyOut === undefined && now - this.#lastKeyFrameAt >= this.#keyAnswerMs) this.#keyOut = { request: false, at: now };
  }

  #learn(id: NodeId, publicKey: Uint8Array, now: number): void {
    if (this.#peers === undefined) return;
    const r = this.#peers.learn(id, publicKey);
    if (r === "new") {
      this.#stats.keysLearned++;
      this.#onKeyLearned(id, now);
    } else if (r === "conflict") {
      this.#stats.keyConflicts++;
      this.#events.push({ type: "log", at: now, level: "warn", text: `security: ${fingerprint(publicKey)} announced for ${id.toString(16).padStart(8, "0")}, which is pinned to ${this.fingerprintOf(id)}: refused` });
    } else if (r === "invalid") this.#stats.badKeys++;
  }

  tick(now: number): void {
    this.inner.tick(now);
    const expired = this.#pending.filter((p) => now >= p.deadline);
    if (expired.length > 0) {
      this.#pending = this.#pending.filter((p) => now < p.deadline);
      for (const p of expired) {
        this.#failDm(p, now, "no-key", `no public key from ${p.dst.toString(16).padStart(8, "0")} within ${Math.round(this.#keyWaitMs / 1000)} s: private message not sent`);
      }
    }
    for (const p of this.#pending) this.#askForKey(p, now);
    this.#held = this.#held.filter((h) => now < h.until);
  }

  nextWakeup(): number {
    let t = this.inner.nextWakeup();
    // While a frame is on the air the radio is taken: a waiting KEY frame is no reason to wake.
    if (this.#keyOut !== undefined && this.#lastFrom === undefined && this.#keyOut.at < t) t = this.#keyOut.at;
    for (const p of this.#pending) t = Math.min(t, p.deadline, p.nextAsk);
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
      if (this.#internal.has(key)) {
        this.#internal.delete(key);
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
    } else if (kind === PayloadKind.DM && e.dst === this.id && this.#peers !== undefined) {
      if (this.#peers.has(e.src)) this.#deliverDm(e, e.at);
      else {
        // The sender knew our key but we no longer hold its: ask, and hold the DM meanwhile.
        if (this.#held.length >= MAX_HELD_DMS) this.#held.shift();
        this.#held.push({ event: e, until: e.at + this.#keyWaitMs });
        this.#sendKeyMessage(e.at, e.src, PayloadKind.KEY_REQUEST);
      }
    } else if ((kind === PayloadKind.KEY_REQUEST || kind === PayloadKind.KEY_ANSWER) && p.length === KEY_MESSAGE_BYTES && e.dst === this.id) {
      if (this.#peers === undefined) return;
      this.#learn(e.src, p.subarray(1, 1 + PUBLIC_KEY_BYTES), e.at);
      if (kind === PayloadKind.KEY_REQUEST && (this.#lastAnswer.get(e.src) ?? -Infinity) + this.#keyAnswerMs <= e.at) {
        this.#lastAnswer.delete(e.src);
        this.#lastAnswer.set(e.src, e.at);
        if (this.#lastAnswer.size > MAX_SEQ_MAP) this.#lastAnswer.delete(this.#lastAnswer.keys().next().value as number);
        this.#sendKeyMessage(e.at, e.src, PayloadKind.KEY_ANSWER);
      }
    } else this.#stats.badEnvelope++;
  }

  #deliverDm(e: Extract<StationEvent, { type: "delivered" }>, now: number): void {
    const key = this.#peers?.dmKey(e.src);
    const opened = key === undefined ? undefined : openDm(key, e.src, e.dst, e.payload);
    if (opened === undefined || this.#dmWindow.check(e.src, opened.counter) !== "fresh") {
      this.#stats.dmRejected++;
      return;
    }
    this.#dmWindow.accept(e.src, opened.counter);
    this.#stats.dmReceived++;
    this.#events.push({ ...e, at: Math.max(e.at, now), payload: opened.plaintext, private: true } as SecureDelivered);
  }
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
