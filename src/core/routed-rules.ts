// Small rules about a routed frame in flight (docs/protocol.md §3.4, §7.1, §7.3): what a relayed copy
// keeps, what a hop ACK names, and when a frame handed back has no way left. Pure functions of the
// frame or its queue entry, used by forwarding.ts, end-to-end.ts, flood-handover.ts and the bridge's
// gateway role.
import { AckStatus, type DataFrame, type E2eAckFrame, FrameType, type HopAckedType, type HopAckFrame, type LocateAnswerFrame } from "./frames";
import type { Unicast } from "./node-state";

/**
 * Rule `replyHopAck` (§7.1): the identity groups of the routed replies (end-to-end ACK "a", locate
 * answer "l") that a hop ACK confirms or refuses as it does DATA. Before, a relay answered a copy
 * of a reply it had already passed on, or one it had no route for, with silence: the sender spent
 * every attempt's timeout on it, then failed over and counted a route failure against a hop that
 * had done its job (duty-cycle-stress seed 1: 229 such copies of ACKs ignored, 76 refused).
 */
export const REPLY_GROUPS = Object.freeze(["a", "l"] as const);

/**
 * A hop ACK the message's destination itself sends to say a DATA or FLOOD of `src` arrived: sent by
 * `dst`, status delivered, naming DATA or no type. Read by rules `answeredStandDown` (§14, a relay
 * of that flood has nobody left to carry it to) and `overheardAck` (§7.4, the originator is told).
 */
export function destinationDelivered(f: HopAckFrame): boolean {
  return f.tx === f.dst && f.status === AckStatus.DELIVERED && (f.acks === undefined || f.acks === FrameType.DATA);
}

/**
 * Rule `hopAckNamesReplies` (§3.4): the type a hop ACK names in kind b3–4. A hop ACK of DATA, the
 * common one, names none, byte for byte the hop ACK of the firmware before the field (94babc1),
 * which refuses b3–4 as reserved: a mixed network keeps its DATA hop ACKs. A receiver applies an
 * unnamed hop ACK to DATA and to replies alike, as before; only a hop ACK of an end-to-end ACK or a
 * locate answer names its type, so a refusal of a reply is not taken for one of the DATA.
 */
export function hopAckNamesReplies(acks: HopAckedType): HopAckedType | undefined {
  return acks === FrameType.DATA ? undefined : acks;
}

/**
 * The fields a relayed copy of a routed frame keeps from the frame it came in (DATA, end-to-end
 * ACK or locate answer), whether it came over the air or over the bridge.
 */
export function relayedFields(f: DataFrame | E2eAckFrame | LocateAnswerFrame) {
  const isData = f.type === FrameType.DATA;
  return {
    ftype: f.type,
    src: f.src,
    dst: f.dst,
    seq: f.seq,
    priority: f.priority,
    dstCluster: f.dstCluster,
    wantAck: isData ? f.wantAck : false,
    payload: isData ? f.payload : undefined,
    status: f.type === FrameType.ACK ? f.status : undefined,
    ackedHops: f.type === FrameType.ACK ? f.ackedHops : undefined,
    target: f.type === FrameType.LOCATE_A ? f.target : undefined,
    targetCluster: f.type === FrameType.LOCATE_A ? f.targetCluster : undefined,
    ageMin: f.type === FrameType.LOCATE_A ? f.ageMin : undefined,
    attempt: f.type === FrameType.LOCATE_A ? 0 : f.attempt,
  };
}

/**
 * Rule `handBackSpent` (§7.3): a relayed DATA frame this node has already handed back (every route
 * failed) and that is back with us because the hand-back went unconfirmed has no way left: handing it back once more would send it to the same previous hop, one TTL lower, again
 * and again (highway-convoy seed 1: one frame handed back 40 times to a node that had driven 5 km
 * away). It is dropped: a message sent with want-ack gets its originator's end-to-end retry (§7.4);
 * a fire-and-forget one is lost.
 */
export function handBackSpent(u: Pick<Unicast, "ftype" | "handedBack" | "originated">): boolean {
  return u.ftype === FrameType.DATA && u.handedBack && !u.originated;
}

/**
 * Whether a frame goes on the air as a hand-back (the DATA `bounced` flag, §7.3): only while it
 * goes back to the node it came from. A frame handed back whose hand-back went unconfirmed and that
 * then found a new route travels on as an ordinary frame, since its receiver holds no custody of it.
 */
export function bouncedOnAir(u: Pick<Unicast, "handedBack" | "nextHop" | "prevHop">): boolean {
  return u.handedBack && u.nextHop === u.prevHop;
}

/** Whether a unicast in the queue has been on the air before: a repeat to its hop, or a failover from a hop tried (not the one it came from). */
export function sentBefore(u: Pick<Unicast, "attempts" | "tried" | "prevHop">): boolean {
  if (u.attempts > 0) return true;
  for (const h of u.tried) if (h !== u.prevHop) return true;
  return false;
}
