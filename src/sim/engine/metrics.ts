// Measurement: what each run reports, computed from the radio's own accounting and the
// stations' `delivered` events (message ids ride in the payloads; no hook into any router).
// Definitions are in docs/simulator.md §Metrics; keep them in sync.

export interface RunMetrics {
  unicastSent: number;
  unicastDelivered: number;
  /** Delivered / sent among measured unicasts (to live and dead destinations); null when none was sent. */
  unicastDelivery: number | null;
  /** The same among unicasts whose destination was alive until the message arrived or the run ended. */
  unicastDeliveryLive: number | null;
  /** Measured unicasts to a node that had died before the message arrived (never delivered). */
  unicastSentDead: number;
  broadcastSent: number;
  /** Mean share of the other live nodes each measured broadcast reached; null when none. */
  broadcastCoverage: number | null;
  dataTx: number;
  controlTx: number;
  totalTx: number;
  dataAirtimeS: number;
  controlAirtimeS: number;
  totalAirtimeS: number;
  /** Unicasts delivered + broadcasts counted by their coverage. */
  deliveredMessages: number;
  airtimePerDeliveredS: number | null;
  /**
   * Window airtime of frames addressed to a node that was dead when they were sent (the router's
   * RouterExtras.destinationOf reads the frame); part of totalAirtimeS. null: the router cannot say.
   */
  deadDstAirtimeS: number | null;
  /** The physical limit's airtime per delivered message for this run's traffic (src/sim/limits), s. */
  limitAirtimePerMessageS: number | null;
  /** Mean transmissions of the limit's greedy connected dominating set per measured broadcast. */
  limitBroadcastTx: number | null;
  /** The router's mean transmissions carrying a measured broadcast (null when its frames hide the payload). */
  broadcastTxPerMessage: number | null;
  /** airtimePerDeliveredS ÷ limitAirtimePerMessageS. */
  airtimeVsLimit: number | null;
  /** broadcastTxPerMessage ÷ limitBroadcastTx. */
  broadcastTxVsLimit: number | null;
  meanNodeAirtimeS: number;
  maxNodeAirtimeS: number;
  /** Highest exact rolling-hour airtime of any node, as a share of the hour. */
  maxNodeDutyShare: number;
  channelUtilisation: number;
  controlShare: number | null;
  /**
   * Control share of the airtime sent in the second half of the measurement window: the network
   * once the cold start and the events at a quarter of the window have settled (docs/simulator.md
   * §Metrics); null when nothing was sent there.
   */
  controlShareLate: number | null;
  /**
   * Issue 13's control share of the same late airtime: the router's beacons and location traffic
   * only (System 5: OGM, LOCATE_Q, LOCATE_A; not ACKs or KEY frames), docs/simulator.md §Metrics;
   * null when nothing was sent there or the router names no such kinds.
   */
  ogmLocationShareLate: number | null;
  /** Of the delivered measured unicasts that asked for an ACK, the share whose sender got its `acked` event (null when none). */
  unicastAcked: number | null;
  /** Measured unicasts that arrived but were reported `send-failed` at their sender. */
  falseFailures: number;
  latencyP50S: number | null;
  latencyP95S: number | null;
  dutyCycleViolations: number;
  dutyCycleRefusals: number;
  sendRefusals: number;
  fallbackFloods: number;
  routeSwitches: number;
  /** meshcore runs: how many nodes repeat (docs/simulator.md §MeshCore); null for other routers. */
  meshcoreRepeaters: number | null;
  collisions: number;
  halfDuplexMisses: number;
  lbtBusy: number;
  events: number;
}

/** p-quantile (0..1) of a sorted array, linear interpolation; null when empty. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Message table: what the traffic generator sent and what arrived where. */
export class MessageLog {
  readonly src: number[] = [];
  readonly dst: number[] = [];
  readonly sentAt: number[] = [];
  readonly measured: boolean[] = [];
  readonly excluded: boolean[] = [];
  /** A unicast whose destination was dead when it was sent or died before it arrived. */
  readonly deadDst: boolean[] = [];
  readonly deliveredAt: number[] = [];
  readonly reached: Array<Uint8Array | undefined> = [];
  readonly reachedCount: number[] = [];
  readonly eligible: number[] = [];
  /** A unicast sent asking for an end-to-end ACK; its sender's `acked` event came; it reported `send-failed`. */
  readonly wantAck: boolean[] = [];
  readonly acked: boolean[] = [];
  readonly reportedFailed: boolean[] = [];

  add(src: number, dst: number, at: number, measured: boolean, eligible: number): number {
    const id = this.src.length;
    this.src.push(src);
    this.dst.push(dst);
    this.sentAt.push(at);
    this.measured.push(measured);
    this.excluded.push(false);
    this.deadDst.push(false);
    this.deliveredAt.push(NaN);
    this.reached.push(undefined);
    this.reachedCount.push(0);
    this.eligible.push(eligible);
    this.wantAck.push(false);
    this.acked.push(false);
    this.reportedFailed.push(false);
    return id;
  }

  /** A `delivered` event for message `id` at node `node`; true for a unicast's first arrival at its destination. */
  onDelivered(id: number, node: number, at: number, nodeCount: number): boolean {
    if (id < 0 || id >= this.src.length || node === this.src[id]) return false;
    const d = this.dst[id];
    if (d >= 0) {
      if (node !== d || !Number.isNaN(this.deliveredAt[id])) return false;
      this.deliveredAt[id] = at;
      return true;
    }
    let seen = this.reached[id];
    if (!seen) seen = this.reached[id] = new Uint8Array(nodeCount);
    if (!seen[node]) {
      seen[node] = 1;
      this.reachedCount[id]++;
    }
    return false;
  }

  /** Node `node` failed: unicasts to it that had not arrived are now to a dead destination (still counted). */
  onNodeFailed(node: number): void {
    for (let i = 0; i < this.dst.length; i++) if (this.dst[i] === node && Number.isNaN(this.deliveredAt[i])) this.deadDst[i] = true;
  }
}

/** Encodes a simulator message id into an application payload of `bytes` bytes. */
export const PAYLOAD_MAGIC = [0x53, 0x35, 0x73, 0x6d] as const;

export function makePayload(messageId: number, bytes: number): Uint8Array {
  const p = new Uint8Array(bytes);
  p.set(PAYLOAD_MAGIC);
  new DataView(p.buffer).setUint32(4, messageId >>> 0, true);
  return p;
}

/** The message id in a payload the traffic generator made, or −1. */
export function payloadMessageId(p: Uint8Array): number {
  if (p.length < 8) return -1;
  for (let i = 0; i < 4; i++) if (p[i] !== PAYLOAD_MAGIC[i]) return -1;
  return new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(4, true);
}
