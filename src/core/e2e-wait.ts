// How long an originator waits for its end-to-end ACK (docs/protocol.md §7.4): the arithmetic of
// the deadline, apart from the end-to-end layer that keeps it (end-to-end.ts `e2eTimeout`,
// `drivingFloodWait`).
import { FLOOD_HEADER_BYTES, MAX_FRAME_BYTES, ROUTED_HEADER_BYTES } from "./frames";
import { BUSY_ALLOWANCE_SLOTS, type NodeState, type Unicast } from "./node-state";
import { widestContentionMs } from "./presets";

/** Hops the end-to-end wait reckons for a destination with no route (its flood or lookup, §7.4). */
export const E2E_UNROUTED_HOPS = 8;

/** One hop of the end-to-end round trip: an airtime there and back, relay jitter and a few busy-channel backoffs. */
export function e2eHopMs(n: NodeState, u: Unicast): number {
  return 2 * n.airtime(Math.min(MAX_FRAME_BYTES, ROUTED_HEADER_BYTES + u.payload.length)) + (n.config.relayJitterSlots + BUSY_ALLOWANCE_SLOTS) * n.slotMs;
}

/**
 * Rule `e2eFloodAllowance` (§7.4): a message with no route goes as a flood (homeless: local;
 * destination cluster known: corridor; lookup skipped or failed: network), and each flood relay
 * waits up to 2^floodContentionCw slots (`Flooding.contention`) before its copy goes on the air,
 * far more than the routed hop's jitter and backoffs: `hops` such waits and transmissions.
 */
export function floodAllowanceMs(n: NodeState, hops: number, payloadBytes: number): number {
  const frame = n.airtime(Math.min(MAX_FRAME_BYTES, FLOOD_HEADER_BYTES + payloadBytes));
  return hops * (widestContentionMs(n.config.floodContentionCw, n.slotMs) + frame);
}

/** `hops` there and back, the flood's relaying when the message goes as a flood, and the guard. */
export function roundTripMs(n: NodeState, u: Unicast, hops: number, flood: boolean): number {
  return 2 * hops * e2eHopMs(n, u) + (flood ? floodAllowanceMs(n, hops, u.payload.length) : 0) + 4 * n.config.ackGuardMs;
}
