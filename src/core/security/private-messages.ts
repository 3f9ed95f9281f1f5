// Private messages (docs/security.md §7.2, §8): DMs sealed end to end under the pairwise key, the
// queue of DMs waiting for a peer's key (or for the inner station to take them), and DMs that
// arrive before their sender's key. One of the concerns SecureStation (secure-station.ts)
// composes; fetching keys is first-contact.ts.
import type { SecureState } from "./secure-state";
import type { SecureSendOptions } from "./secure-station";
import { MAX_UNICAST_PAYLOAD } from "../frames";
import { formatNodeId, isUnicastId, type NodeId, type SendResult, type StationEvent } from "../station";
import { DM_OVERHEAD_BYTES, KEYED_DM_EXTRA_BYTES, PayloadKind, keyedDm, openDm, readKeyedDm, sealDm } from "./dm-seal";
import { SEAL_OVERHEAD_BYTES } from "./frame-seal";
import { NO_TAG } from "./sealed-air";
import { ReplayWindow } from "./replay-window";
import { retriable } from "./secure-state";

type Delivered = Extract<StationEvent, { type: "delivered" }>;

/** A delivered event as a SecureStation reports it: `private` is true for a decrypted DM. */
export type SecureDelivered = Delivered & { readonly private: boolean };

export interface PendingDm {
  readonly dst: NodeId;
  readonly payload: Uint8Array;
  readonly options: SecureSendOptions;
  readonly appSeq: number;
  readonly queuedAt: number;
  deadline: number;
  nextAsk: number;
  /** The last key request for this DM was refused by the inner station. */
  askRefused: boolean;
  /** A key request went out (was taken by the inner station) while this DM waited (rule `keyAskInTime`). */
  asked: boolean;
  /** Set once the key is known and the inner station refused the DM: when to try it again. */
  retryAt: number | undefined;
  lastRefusal: { code: string; reason: string } | undefined;
}

/** A DM that arrived before its sender's key (held briefly, decrypted when the key comes). */
interface HeldDm {
  readonly event: Delivered;
  readonly until: number;
}

const MAX_HELD_DMS = 4;

export class PrivateMessages {
  readonly s: SecureState;
  readonly #maxPending: number;
  /** DM counters are authenticated end to end (only the peer can produce them): one track each. */
  readonly #dmWindow: ReplayWindow;
  #pending: PendingDm[] = [];
  #held: HeldDm[] = [];

  constructor(s: SecureState, maxPeers: number | undefined, maxPendingDms: number | undefined) {
    this.s = s;
    this.#dmWindow = new ReplayWindow(maxPeers, Infinity);
    // A peer talked to before the reboot: its DMs up to the stored mark count as seen (§13.3).
    for (const id of s.peers?.pinnedIds() ?? []) {
      const mark = s.peers?.dmMarkOf(id);
      if (mark !== undefined) this.#dmWindow.seedSeen(id, mark);
    }
    this.#maxPending = maxPendingDms ?? 8;
  }

  /** The DMs queued for `dst`, oldest first. */
  pendingTo(dst: NodeId): PendingDm[] {
    return this.#pending.filter((q) => q.dst === dst);
  }

  /** Whether a DM to `id` waits for its key. */
  awaitsKey(id: NodeId): boolean {
    return this.#pending.some((p) => p.dst === id && p.retryAt === undefined);
  }

  /** Whether anything waits on `id`'s key: a DM to it, or one from it held unopened. */
  waitsOnKey(id: NodeId): boolean {
    return this.awaitsKey(id) || this.#held.some((h) => h.event.src === id);
  }

  // --- sending -------------------------------------------------------------------------------

  send(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions): SendResult {
    const s = this.s;
    if (s.peers === undefined) return { ok: false, code: "bad-destination", reason: "this node has no key pair: private messages need a node secret key" };
    if (!isUnicastId(dst) || dst === s.id) return { ok: false, code: "bad-destination", reason: "a private message goes to one other node" };
    const max = MAX_UNICAST_PAYLOAD - SEAL_OVERHEAD_BYTES - DM_OVERHEAD_BYTES;
    if (payload.length > max) return { ok: false, code: "too-large", reason: `private payload is ${payload.length} bytes; at most ${max} fit` };
    const known = s.peers.has(dst) || s.contact.keyFromCache(dst, now);
    const ahead = this.pendingTo(dst);
    // With the key known, a DM goes out at once, unless earlier ones to the same peer still wait
    // for the inner station: it queues behind them, so the peer gets them in order.
    if (known && ahead.length === 0) return this.#sendDm(now, dst, payload, options, undefined);
    if (this.#pending.length >= this.#maxPending) {
      return { ok: false, code: "queue-full", reason: `${this.#maxPending} private messages already wait for keys` };
    }
    const appSeq = s.nextAppSeq();
    const retryAt = known ? Math.min(...ahead.map((q) => q.retryAt ?? now)) : undefined;
    // A request already in flight for this peer serves this DM too: it is not asked again before its time.
    const asking = ahead.find((q) => q.retryAt === undefined);
    const nextAsk = asking?.nextAsk ?? now;
    const p: PendingDm = { dst, payload: payload.slice(), options, appSeq, queuedAt: now, deadline: now + s.keyWaitMs, nextAsk, askRefused: asking?.askRefused ?? false, asked: false, retryAt, lastRefusal: undefined };
    this.#pending.push(p);
    s.stats.dmQueued++;
    if (!known) s.contact.askForKey(p, now);
    return { ok: true, seq: appSeq };
  }

  #sendDm(now: number, dst: NodeId, payload: Uint8Array, options: SecureSendOptions, appSeq: number | undefined): SendResult {
    const s = this.s;
    const key = s.peers?.dmKey(dst);
    if (key === undefined) return { ok: false, code: "bad-destination", reason: "no key for the destination" };
    const c = s.counter.issue();
    if (!c.ok) return { ok: false, code: "queue-full", reason: `cannot seal: ${c.reason}` };
    s.own.sealed(c.value, NO_TAG); // no frame carries this counter: one that does is not ours
    const dm = sealDm(key, s.id, dst, c.value, payload);
    // Our key goes in front until the peer shows it holds it, so the receiver never asks back. A
    // contact said to hold ours can only if our key is bound to our id (contacts must be).
    const keyed = !s.knowsUs.has(dst) && !(s.selfBound && s.contacts.holdsOurs(dst)) && s.peers !== undefined && dm.length + KEYED_DM_EXTRA_BYTES <= MAX_UNICAST_PAYLOAD - SEAL_OVERHEAD_BYTES;
    const r = s.innerSend(now, dst, keyed && s.peers !== undefined ? keyedDm(s.peers.publicKey, dm) : dm, options, appSeq);
    if (r.ok) {
      s.stats.dmSent++;
      if (keyed) s.stats.keyedDmSent++;
      // A peer the user writes to is pinned for good (§13.2).
      if (s.peers?.isPinned(dst) === false) s.pinPeer(dst, undefined, now);
    }
    return r;
  }

  /** A peer's key arrived: send what waited for it, decrypt what arrived before it. */
  onKeyLearned(id: NodeId, now: number): void {
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
    const s = this.s;
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
      if (s.peers?.has(p.dst) !== true) {
        // The peer's key was evicted meanwhile: fetch it again.
        p.retryAt = undefined;
        p.nextAsk = now;
        keep.push(p);
        continue;
      }
      const first = p.lastRefusal === undefined;
      const r = this.#sendDm(now, p.dst, p.payload, p.options, p.appSeq);
      if (r.ok) {
        if (!first) s.stats.dmRetried++;
        s.stats.dmReleased++;
        s.stats.dmKeyWaitMs += now - p.queuedAt;
        continue;
      }
      if (!retriable(r.code)) {
        this.#failDm(p, now, r.code, r.reason);
        continue;
      }
      p.lastRefusal = { code: r.code, reason: r.reason };
      p.retryAt = now + s.retryMs;
      // At least one more try, even when the key came just before the deadline.
      p.deadline = Math.max(p.deadline, p.retryAt);
      stalled.set(p.dst, p.retryAt);
      keep.push(p);
    }
    this.#pending = keep;
  }

  #failDm(p: PendingDm, now: number, code: string, reason: string): void {
    this.s.stats.dmFailed++;
    this.s.events.push({ type: "send-failed", at: now, dst: p.dst, seq: p.appSeq, code, reason });
  }

  /** The queue's turn in tick(): DMs due are sent, DMs past their deadline fail, keys are asked for. */
  tick(now: number): void {
    const s = this.s;
    // Tries due before the deadline check, so a try and the deadline at the same instant favour the try.
    this.#sendReadyDms(now);
    const expired = this.#pending.filter((p) => now >= p.deadline);
    if (expired.length > 0) {
      this.#pending = this.#pending.filter((p) => now < p.deadline);
      for (const p of expired) {
        if (p.retryAt !== undefined) {
          const why = p.lastRefusal?.reason ?? "it waited behind earlier private messages to the same node";
          this.#failDm(p, now, p.lastRefusal?.code ?? "queue-full", `private message to ${formatNodeId(p.dst)} not sent within ${Math.round(s.keyWaitMs / 1000)} s: ${why}`);
        } else {
          s.stats.dmNoKey++;
          this.#failDm(p, now, "no-key", `no public key from ${formatNodeId(p.dst)} within ${Math.round(s.keyWaitMs / 1000)} s: private message not sent`);
        }
      }
    }
    for (const p of this.#pending) s.contact.askForKey(p, now);
  }

  /** Forgets the DMs held for a key that did not come in time. */
  dropStaleHeld(now: number): void {
    this.#held = this.#held.filter((h) => now < h.until);
  }

  /** `t`, or earlier when a queued DM is due. */
  wakeup(t: number): number {
    for (const p of this.#pending) t = Math.min(t, p.deadline, p.retryAt ?? p.nextAsk);
    return t;
  }

  // --- receiving -----------------------------------------------------------------------------

  /** A KEYED_DM for this node: the sender's key is learned (unless pinned), then the DM read. */
  onKeyedDm(e: Delivered): void {
    const s = this.s;
    if (s.peers === undefined) return;
    const k = readKeyedDm(e.payload);
    if (k === undefined) return void s.stats.badEnvelope++;
    s.stats.keyedDmReceived++;
    // The key is checked by the DM's tag (a wrong key gives a wrong pairwise key) and, where
    // binding is required, against the sender's id; a pinned peer's key is never replaced.
    if (!s.peers.has(e.src)) s.contact.learn(e.src, k.publicKey, e.at);
    this.onDm({ ...e, payload: k.dm });
  }

  /** A DM for this node: opened when the sender's key is held, else held while the key is asked for. */
  onDm(e: Delivered): void {
    const s = this.s;
    if (s.peers === undefined) return;
    if (s.peers.has(e.src) || s.contact.keyFromContacts(e.src, e.at)) return this.#deliverDm(e, e.at);
    // The sender knew our key but we do not hold its (evicted, or a key over the budget): ask,
    // and hold the DM meanwhile.
    if (this.#held.length >= MAX_HELD_DMS) this.#held.shift();
    this.#held.push({ event: e, until: e.at + s.keyWaitMs });
    s.contact.answerOrAsk(e.src, e.at, PayloadKind.KEY_REQUEST);
  }

  #deliverDm(e: Delivered, now: number): void {
    const s = this.s;
    const key = s.peers?.dmKey(e.src);
    const opened = key === undefined ? undefined : openDm(key, e.src, e.dst, e.payload);
    if (opened === undefined || this.#dmWindow.check(e.src, opened.counter) !== "fresh") {
      s.stats.dmRejected++;
      return;
    }
    this.#dmWindow.accept(e.src, opened.counter);
    s.remember(s.knowsUs, e.src, true);
    // Pinned with the DM's counter as its mark before the DM is handed on: after a reboot a
    // recording of it is refused (§13.3).
    s.pinPeer(e.src, opened.counter, now);
    s.stats.dmReceived++;
    s.events.push({ ...e, at: Math.max(e.at, now), payload: opened.plaintext, private: true } as SecureDelivered);
  }
}
