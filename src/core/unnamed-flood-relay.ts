// Rule `unnamedFloodRelay` (docs/protocol.md §15 *Directed frames*): where a node's two-hop view
// shows few of the neighbours it hears (a slow modem: OGMs 16 minutes apart, often lost, so 4.9
// usable neighbours of 15 heard on rural-long-range), a unicast flood's forwarder list names the
// few the sender sees as usable, most of them never hear that they are named, and the flood
// stops after two to four transmissions while ten or more nodes hold a copy. Under the rule a
// holder of the originator's own copy (hops 0) heard at UNNAMED_FLOOD_MARGIN_DB or more over the
// modem's demodulation limit relays it, named or not: the named ones in their turns, the others
// after the last named one's turn, over the widest contention window, standing down only on the
// copy counter (a second copy heard before their turn), since the usable view they would prune
// on is what is missing. The margin keeps the rule to links that are two-way though no OGM shows
// it yet, so the destination's answer can go back the way the copy came. Further copies are
// relayed as before.

/** The hop count of the copies the rule acts on: the originator's own (its relays carry 1 and more). */
export const UNNAMED_FLOOD_HOPS = 0;

/** How far over the demodulation limit the originator's copy must arrive (dB): a link that strong is two-way. */
export const UNNAMED_FLOOD_MARGIN_DB = 10;

/** Copies (the first included) an unnamed holder hears before it stands down: one more than its own. */
export const UNNAMED_FLOOD_COPIES = 2;

/**
 * Whether a node that holds a FLOOD it would not relay (not named in its list, or muted, or a
 * distributor the coverage pruning would keep quiet) relays it under the rule: the rule is on and
 * the copy is the originator's own, heard `marginDb` over the demodulation limit.
 */
export function unnamedFloodRelay(on: boolean, hops: number, marginDb: number): boolean {
  return on && hops === UNNAMED_FLOOD_HOPS && marginDb >= UNNAMED_FLOOD_MARGIN_DB;
}
