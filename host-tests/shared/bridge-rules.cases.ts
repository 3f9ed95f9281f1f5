// The bridge's rules (src/core/bridge/rules.ts, docs/protocol.md §20.3), each on its own.
import { BRIDGE_LATENCY_MS_PER_UNIT, bridgeLinkMetric, broadcastCrosses, crossesBridge, designatedGateway, locateCrosses } from "../../src/core/bridge/rules";
import { clusterFromGeohash, NO_CLUSTER } from "../../src/core/cluster";
import { DEFAULT_CONFIG } from "../../src/core/config";
import { FrameType, METRIC_INFINITY } from "../../src/core/frames";
import { suite } from "./harness";

const U281 = clusterFromGeohash("u281");
const U283 = clusterFromGeohash("u283");
const U289 = clusterFromGeohash("u289");

export default suite("bridge rules", {
  "B1: the default bridge metric is 1365, about 4.7 good LoRa hops, and grows with loss, latency and cost"(t) {
    const m = bridgeLinkMetric(DEFAULT_CONFIG);
    t.equal(m, 259 + 32 + 200 / BRIDGE_LATENCY_MS_PER_UNIT + 1024);
    t.ok(m > 4 * (256 + DEFAULT_CONFIG.hopPenalty) && m < 5 * (256 + DEFAULT_CONFIG.hopPenalty));
    t.ok(bridgeLinkMetric({ ...DEFAULT_CONFIG, bridgeLoss: 0.5 }) > m);
    t.ok(bridgeLinkMetric({ ...DEFAULT_CONFIG, bridgeLatencyMs: 2000 }) > m);
    t.equal(bridgeLinkMetric({ ...DEFAULT_CONFIG, bridgeCost: 0 }), m - 1024);
    t.ok(bridgeLinkMetric({ ...DEFAULT_CONFIG, bridgeCost: 16_384, bridgeLatencyMs: 60_000, bridgeLoss: 0.9 }) < METRIC_INFINITY);
  },
  "B2: routed frames, broadcasts and location queries cross; link-local frames and floods never"(t) {
    t.ok(crossesBridge(FrameType.DATA, false));
    t.ok(crossesBridge(FrameType.ACK, false), "end-to-end ACK");
    t.ok(!crossesBridge(FrameType.ACK, true), "hop ACK");
    t.ok(crossesBridge(FrameType.LOCATE_A, false));
    t.ok(crossesBridge(FrameType.BCAST, false));
    t.ok(crossesBridge(FrameType.LOCATE_Q, false));
    for (const ty of [FrameType.OGM, FrameType.FLOOD, 7]) t.ok(!crossesBridge(ty, false), String(ty));
    t.ok(!crossesBridge(FrameType.SEQREQ, false), "a seqno request is link-local: it travels hop by hop toward the source over radio only");
  },
  "B7: a location query crosses only at the lookup's widest level"(t) {
    t.ok(locateCrosses(4, 4));
    t.ok(!locateCrosses(3, 4));
    t.ok(!locateCrosses(1, 1), "never the own-cluster level, whatever the configuration");
  },
  "B3: a broadcast crosses only as far as its scope reaches"(t) {
    t.ok(broadcastCrosses(7, U281, U289), "network-wide");
    t.ok(broadcastCrosses(2, U281, U289), "u289 is two cells east of u281");
    t.ok(!broadcastCrosses(1, U281, U289));
    t.ok(!broadcastCrosses(0, U281, U283));
    t.ok(!broadcastCrosses(6, U281, clusterFromGeohash("u2")), "no ring distance to a prefix of another precision");
    t.ok(broadcastCrosses(7, U281, clusterFromGeohash("u2")));
    t.ok(!broadcastCrosses(6, NO_CLUSTER, U289), "a homeless origin's scoped broadcast stays home");
    t.ok(!broadcastCrosses(3, U281, U281), "never to its own cluster");
  },
  "B4: one designated gateway per cluster, the same for any order of the live set, and a takeover that moves only its clusters"(t) {
    const live = [0x1a, 0x2b, 0x2c, 0x3d];
    const d = designatedGateway(U289, live);
    t.ok(d !== undefined && live.includes(d));
    t.equal(designatedGateway(U289, [...live].reverse()), d);
    t.equal(designatedGateway(U289, []), undefined);
    // Over many clusters each gateway gets some; removing one moves only the clusters it had.
    const clusters = ["u281", "u283", "u289", "u28b", "u28c", "u0", "9q8y", "gcpv"].map(clusterFromGeohash);
    const before = clusters.map((c) => designatedGateway(c, live));
    const dead = before[0] as number;
    const after = clusters.map((c) => designatedGateway(c, live.filter((g) => g !== dead)));
    for (let i = 0; i < clusters.length; i++) {
      if (before[i] !== dead) t.equal(after[i], before[i], "a cluster of a live gateway stays");
      else t.ok(after[i] !== dead);
    }
    t.ok(new Set(before).size > 1, "the clusters spread over the gateways");
  },
});
