// What kind of frame a router put on the air, for the view's colours. System 5 frames carry
// their type in the link header (core codec); the Meshtastic-like baselines in their 16-byte
// header (port and destination); any other router is classed by its own data/control flag.
import { peekFrameType } from "../core/codec";
import { FrameType } from "../core/frames";
import { BROADCAST } from "../core/station";
import type { TxFrame } from "../core/station";
import { PORT_ROUTING, decodeFrame } from "../sim/routers/header";

/** The view's frame classes, in legend order. */
export const FRAME_CLASSES = ["DATA", "ACK", "OGM", "BCAST", "FLOOD", "OTHER"] as const;
export type FrameClass = (typeof FRAME_CLASSES)[number];
export const FC = Object.freeze({ DATA: 0, ACK: 1, OGM: 2, BCAST: 3, FLOOD: 4, OTHER: 5 } as const);

/** A classifier for one router's frames. */
export type Classifier = (f: TxFrame) => number;

export function classifierFor(router: string): Classifier {
  if (router.startsWith("system5")) return system5Class;
  if (router === "flood" || router.startsWith("managed") || router === "nexthop") return baselineClass(router === "nexthop");
  return (f) => (f.kind === "data" ? FC.DATA : FC.OTHER);
}

function system5Class(f: TxFrame): number {
  switch (peekFrameType(f.bytes)) {
    case FrameType.DATA:
      return FC.DATA;
    case FrameType.ACK:
      return FC.ACK;
    case FrameType.OGM:
      return FC.OGM;
    case FrameType.BCAST:
      return FC.BCAST;
    case FrameType.FLOOD:
      return FC.FLOOD;
    default:
      return f.kind === "data" ? FC.DATA : FC.OTHER;
  }
}

function baselineClass(directed: boolean): Classifier {
  return (f) => {
    const h = decodeFrame(f.bytes);
    if (!h) return f.kind === "data" ? FC.DATA : FC.OTHER;
    if (h.port === PORT_ROUTING) return FC.ACK;
    if (h.to === BROADCAST) return FC.BCAST;
    // A DM: next-hop routing sends it to one relayer once it has learnt one; otherwise it floods.
    return directed && h.nextHop !== 0 ? FC.DATA : FC.FLOOD;
  };
}
