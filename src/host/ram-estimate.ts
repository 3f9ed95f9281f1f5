// The firmware's RAM on the XS engine (`npm run bench ram`, scripts/ram-estimate.mjs): one board's
// application, booted on emulated IO as the host run boots it (src/host/host-node.ts: the same
// startNode(), with the app's DEVICE_LIMITS), then the core's tables filled to those limits with
// OGMs from synthetic neighbours fed to the node's MeshNode: every neighbour place taken, every
// destination with its full set of route entries, every cluster place taken, the transmit queue
// full. The bench runs each phase in its own xsnap run and compares the heap the snapshots hold
// (after a garbage collection): "loaded" (all code, nothing run) → "emulated" (the host's emulated
// board and air, which the device does not need) → "booted" → "full".
// ES2022 only and no host APIs: it runs on XS.
import { encodeFrame } from "../core/codec";
import { clusterFromGeohash } from "../core/cluster";
import { GEOHASH_ALPHABET } from "../core/geohash";
import { DEVICE_LIMITS, resolveConfig } from "../core/config";
import { FrameType, shortId, type OgmClusterRoute, type OgmFrame, type OgmNodeRoute } from "../core/frames";
import { Air } from "./air";
import { VirtualClock } from "./clock";
import { HostNode } from "./host-node";
import type { BoardName } from "../../boards/common/board-profile";

/** "emulated": the board's emulated IO, radio and air exist, the app has not started (the baseline). */
export type RamPhase = "loaded" | "emulated" | "booted" | "full";

export interface RamFill {
  readonly neighbours: number;
  readonly destinations: number;
  /** Route entries (next hops) over all node destinations. */
  readonly routes: number;
  readonly clusters: number;
  readonly queued: number;
}

const SELF = 0x00c0ffee;
/** The synthetic neighbours' OGM interval, in the OGM's 4-second units. */
const INTERVAL_UNITS = 5;
/** Routes per OGM: keeps each synthetic OGM within one LoRa frame. */
const ROUTES_PER_OGM = 12;

/** The configuration the firmware runs with (src/app/mesh-binding.ts applies DEVICE_LIMITS). */
const DEVICE = resolveConfig(DEVICE_LIMITS);

/**
 * Runs one phase for `board`; returns what the core holds afterwards (all zero before "full") and
 * the running node, which the caller keeps referenced so the snapshot's collection keeps it.
 */
export function runRamPhase(board: BoardName, phase: RamPhase): { fill: RamFill; keep: unknown } {
  const empty: RamFill = { neighbours: 0, destinations: 0, routes: 0, clusters: 0, queued: 0 };
  if (phase === "loaded") return { fill: empty, keep: undefined };
  const clock = new VirtualClock({ seed: 5 });
  const air = new Air(clock);
  const host = new HostNode({ air, board, name: "ram", id: SELF, position: { x: 0, y: 0 }, autoStart: false });
  if (phase === "emulated") return { fill: empty, keep: host };
  host.start();
  clock.advance(1_000);
  const mesh = host.running.mesh;
  if (mesh === undefined) throw new Error(`${board}: the mesh did not start`);
  if (phase === "booted") return { fill: empty, keep: host };

  const node = mesh.node;
  const neighbourCount = DEVICE.maxNeighbours;
  const entries = DEVICE.maxEntriesPerDestination;
  const destinations = DEVICE.maxDestinations;
  const clusters = DEVICE.maxClusters;
  const neighbourIds = Array.from({ length: neighbourCount }, (_, i) => 0x1000 + i);
  const clusterIds = Array.from({ length: clusters }, (_, i) => clusterFromGeohash("u" + GEOHASH_ALPHABET[(i >> 5) % 32] + GEOHASH_ALPHABET[i % 32] + "0"));
  // A full link-quality window of rounds, one OGM per neighbour per interval, so every link is
  // measured both ways and every route learnt from every neighbour that offers it.
  const rounds = DEVICE.lqWindow;
  for (let round = 0; round < rounds; round++) {
    for (let n = 0; n < neighbourCount; n++) {
      const tx = neighbourIds[n];
      // Neighbour n advertises the destinations d with d % neighbourCount in [n, n + entries).
      const mine: OgmNodeRoute[] = [];
      for (let d = 0; d < destinations; d++) {
        if ((d - n + neighbourCount) % neighbourCount < entries) mine.push({ dst: 0x2000 + d, seqno: round + 1, metric: 300 + 10 * ((d + n) % 7) });
      }
      const theirClusters: OgmClusterRoute[] = clusterIds.filter((_, c) => (c - n + neighbourCount) % neighbourCount < entries).map((cluster) => ({ cluster, origin: tx, seqno: round + 1, metric: 400 }));
      for (let i = 0, part = 0; i < Math.max(mine.length, theirClusters.length, 1); i += ROUTES_PER_OGM, part++) {
        const ogm: OgmFrame = {
          type: FrameType.OGM,
          tx,
          ogmSeq: (round * 4 + part + 1) & 0xffff,
          hasFix: true,
          border: false,
          relayActive: true,
          homeless: false,
          cluster: clusterIds[0],
          battery: 200,
          load: 10,
          intervalUnits: INTERVAL_UNITS,
          relayPrio: 1,
          routeSeq: round + 1,
          cycle: 1,
          neighbours: [{ short: shortId(SELF), rq: 240 }],
          nodeRoutes: mine.slice(i, i + ROUTES_PER_OGM),
          clusterRoutes: theirClusters.slice(i, i + ROUTES_PER_OGM),
        };
        node.receive(encodeFrame(ogm), { rssi: -80, snr: 8, at: clock.now() });
      }
      clock.advance(50);
    }
    clock.advance(INTERVAL_UNITS * 4_000 - neighbourCount * 50);
  }
  // The transmit queue, full of the largest private messages the console can send.
  let queued = 0;
  for (let i = 0; i < DEVICE.txQueueSize + 4; i++) {
    const r = node.send(clock.now(), 0x2000 + (i % destinations), new Uint8Array(180).fill(i));
    if (r.ok) queued++;
  }
  const table = node.routeTable(clock.now());
  const nodes = table.filter((r) => r.kind === "node");
  const fill = {
    neighbours: node.neighbours(clock.now()).length,
    destinations: nodes.length,
    routes: nodes.reduce((sum, r) => sum + r.routes.length, 0),
    clusters: table.length - nodes.length,
    queued,
  };
  return { fill, keep: host };
}
