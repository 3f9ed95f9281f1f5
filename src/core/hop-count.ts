// Hop counts on hostile input (docs/security.md §13). A frame's hop count is one byte: a node
// that adds 1 to a count already at 255 would hand the encoder 256 and throw, and anyone holding
// the network key can put 255 in a frame. No mesh of ours has a 255-hop path (dataTtl is at most
// 255 and every hop spends one), so a frame that arrives with the count at its limit is refused
// on receipt, and every increment is capped so a count can never overflow whatever arrives.

/** The largest hop count a frame can carry (one byte). */
export const MAX_HOP_COUNT = 255;

/** The hop count a frame carries one hop further on: +1, never past the byte. */
export function nextHopCount(hops: number): number {
  return Math.min(MAX_HOP_COUNT, hops + 1);
}

/** A received hop count no real path produces: the frame is counted and dropped. */
export function hopCountAtLimit(hops: number): boolean {
  return hops >= MAX_HOP_COUNT;
}
