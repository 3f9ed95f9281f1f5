// An OGM as a test forges it: a plain neighbour (fix, relaying, external power, no load, one OGM
// per full table) with whatever fields the case sets. Pure ES2022, so it runs on XS too.
import { FrameType, type OgmFrame } from "../../src/core/frames";

export function forgedOgm(fields: Partial<OgmFrame> & Pick<OgmFrame, "tx" | "ogmSeq">): OgmFrame {
  return {
    type: FrameType.OGM,
    hasFix: true,
    border: false,
    relayActive: true,
    homeless: false,
    cluster: 0,
    battery: 254,
    load: 0,
    intervalUnits: 15,
    relayPrio: 0,
    routeSeq: 1,
    cycle: 1,
    neighbours: [],
    nodeRoutes: [],
    clusterRoutes: [],
    ...fields,
  };
}
