// Clusters joined over the bridge (issue 16; docs/protocol.md "Bridge"): two 3-node clusters 50 km
// apart (geohash u281 and u289) with a gateway each, joined through an in-memory broker and by a
// thin chain of six LoRa relays. A DM and a broadcast cross; when the bridge goes down the route
// fails over to the chain and comes back with the bridge; nothing reaches an application twice;
// two gateways serving one cluster inject each frame once, and the second takes over when the
// first dies; hostile frames on the bridge are counted and never reach the air.
import { decodeFrame, encodeFrame } from "../../src/core/codec";
import { type DataFrame, FrameType, type OgmFrame, shortId } from "../../src/core/frames";
import { encodeGeohash } from "../../src/core/geohash";
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS } from "../../src/core/presets";
import { SeededRng } from "../../src/core/rng";
import { clusterDistance, clusterFromGeohash } from "../../src/core/cluster";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import { openFrame, SEAL_OVERHEAD_BYTES, sealFrame } from "../../src/core/security/frame-seal";
import { plainEnvelope } from "../../src/core/security/dm-seal";
import { networkKeys } from "../../src/core/security/keys";
import { SecureStation, type SecureDelivered } from "../../src/core/security/secure-station";
import { BROADCAST, type NodeId } from "../../src/core/station";
import { BridgeHub } from "./bridge-hub";
import { suite, type Assert } from "./harness";
import { TEST_NETWORK_KEY } from "./security.cases";
import { StationAir } from "./station-air";

const LAT = 48.1;
const A_LON = 11.45;
const B_LON = 12.1;
/** The chain's relays, evenly between the cities (the first six in u283, the last in u289). */
const CHAIN = [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37];
const CHAIN_LON0 = 11.615;
const CHAIN_STEP = 0.064;
const A1 = 0x11;
const A2 = 0x12;
const GA = 0x1a;
const B1 = 0x21;
const B2 = 0x22;
const GB = 0x2b;
const GB2 = 0x2c;
/**
 * The bridge priced so that both nodes at the chain's end choose clearly (route switches need a
 * 1/8 better metric, §5.5): bridge metric 1441 (cost 1100). From a1 the bridge route costs ≈ 1729
 * and the chain's ≈ 2016 (7 links to the border of u289), so a1 prefers the bridge; from c1 the
 * way through a1 and the bridge costs ≈ 2017 and the chain ≈ 1728, so c1 keeps the chain and
 * advertises it to a1, which holds it as its second route. (At the default 1365, c1 would stay on
 * its first choice, the way through a1, and hide the chain from a1 until the bridge fails.)
 */
const GATEWAY_CONFIG = { gateway: true, bridgeCost: 1100 };

function text(s: string): Uint8Array {
  return new Uint8Array(Array.from(s, (c) => c.charCodeAt(0)));
}

function node(id: NodeId, lon: number, gateway: boolean, dy = 0): SecureStation {
  const config = gateway ? { frameOverheadBytes: SEAL_OVERHEAD_BYTES, ...GATEWAY_CONFIG } : { frameOverheadBytes: SEAL_OVERHEAD_BYTES };
  const inner = new MeshNode({ id, rng: new SeededRng(id * 7919), now: 0, modem: PRESETS.SHORT_FAST, config, position: { lat: LAT + dy, lon } });
  return new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), now: 0 });
}

interface World {
  readonly air: StationAir;
  readonly hub: BridgeHub;
  mesh(id: NodeId): MeshNode;
  secure(id: NodeId): SecureStation;
  delivered(id: NodeId): SecureDelivered[];
}

function world(opts: { chain: boolean; secondGatewayB: boolean; bLon?: number }): World {
  const air = new StationAir(PRESETS.SHORT_FAST);
  const hub = new BridgeHub(40);
  const add = (s: SecureStation): void => {
    air.add(s);
    if (s.bridge !== undefined) hub.add(s.id, s.bridge);
  };
  add(node(A1, A_LON + 0.01, false));
  add(node(A2, A_LON, false, 0.01));
  add(node(GA, A_LON - 0.01, true));
  const bLon = opts.bLon ?? B_LON;
  add(node(B1, bLon - 0.01, false));
  add(node(B2, bLon, false, 0.01));
  add(node(GB, bLon + 0.01, true));
  for (const [x, y] of [[A1, A2], [A2, GA], [A1, GA], [B1, B2], [B2, GB], [B1, GB]]) air.link(x, y);
  if (opts.secondGatewayB) {
    add(node(GB2, bLon + 0.02, true));
    for (const x of [B1, B2, GB]) air.link(GB2, x);
  }
  if (opts.chain) {
    CHAIN.forEach((id, i) => add(node(id, CHAIN_LON0 + i * CHAIN_STEP, false)));
    air.link(A1, CHAIN[0]);
    for (let i = 1; i < CHAIN.length; i++) air.link(CHAIN[i - 1], CHAIN[i]);
    air.link(CHAIN[CHAIN.length - 1], B1);
  }
  air.sidecars.push(hub);
  const secure = (id: NodeId): SecureStation => air.stations.get(id) as SecureStation;
  return {
    air,
    hub,
    secure,
    mesh: (id) => secure(id).inner as MeshNode,
    delivered: (id) => air.eventsOf(id, "delivered") as SecureDelivered[],
  };
}

const CLUSTER_A = clusterFromGeohash("u281");
const CLUSTER_B = clusterFromGeohash("u289");

/** Runs until `done` holds, a second at a time, or fails after `limitS` seconds. */
function runUntil(t: Assert, w: World, limitS: number, what: string, done: () => boolean): number {
  const start = w.air.now;
  for (let s = 0; s < limitS; s++) {
    if (done()) return w.air.now - start;
    w.air.run(w.air.now + 1000);
  }
  if (done()) return w.air.now - start;
  return t.fail(`${what}: not within ${limitS} s`);
}

function connectAll(w: World, ids: readonly NodeId[]): void {
  for (const id of ids) w.hub.connect(id, w.air.now);
}

/** a1 routes to cluster B (over the bridge via gA, or the chain), and b1 to cluster A. */
function converge(t: Assert, w: World): void {
  runUntil(t, w, 900, "routes between the clusters", () => w.mesh(A1).canReach(B1, CLUSTER_B, w.air.now) && w.mesh(B1).canReach(A1, CLUSTER_A, w.air.now) && w.mesh(A2).canReach(B2, CLUSTER_B, w.air.now));
}

function payloadsOf(w: World, id: NodeId, src: NodeId): string[] {
  return w.delivered(id).filter((e) => e.src === src).map((e) => String.fromCharCode(...e.payload));
}

function countOf(list: readonly string[], s: string): number {
  return list.filter((x) => x === s).length;
}

export default suite("bridge between clusters", {
  "the test cities lie in different clusters with the chain's clusters between"(t) {
    t.equal(encodeGeohash(LAT, A_LON, 4), "u281");
    t.equal(encodeGeohash(LAT, B_LON, 4), "u289");
    t.equal(encodeGeohash(LAT, CHAIN_LON0, 4), "u283");
    t.equal(encodeGeohash(LAT, CHAIN_LON0 + 5 * CHAIN_STEP, 4), "u283");
    t.equal(encodeGeohash(LAT, CHAIN_LON0 + 6 * CHAIN_STEP, 4), "u289");
  },
  "a broadcast and a DM cross the bridge, each delivered once; the broker sees only sealed frames"(t) {
    const w = world({ chain: true, secondGatewayB: false });
    connectAll(w, [GA, GB]);
    converge(t, w);
    t.deepEqual(w.mesh(GA).bridge?.bridgeClusters(), ["u281"]);
    // A broadcast from b1: over the bridge (gB publishes, gA injects) and along the chain.
    t.ok(w.secure(B1).send(w.air.now, BROADCAST, text("hello from B")).ok);
    runUntil(t, w, 120, "broadcast reaches cluster A", () => [A1, A2, GA].every((id) => payloadsOf(w, id, B1).includes("hello from B")));
    w.air.run(w.air.now + 60_000);
    for (const id of [A1, A2, GA]) t.equal(countOf(payloadsOf(w, id, B1), "hello from B"), 1, `node ${id.toString(16)} got it once`);
    for (const id of CHAIN) t.atMost(countOf(payloadsOf(w, id, B1), "hello from B"), 1, `node ${id.toString(16)} got it at most once`);
    t.atLeast(w.mesh(GB).bridgeStats?.publishedBroadcasts ?? 0, 1, "gB published it");
    t.equal(w.mesh(GA).bridgeStats?.injectedBroadcasts, 1, "gA injected it once");
    // a1 learnt b1's cluster from the broadcast: a DM with an end-to-end ACK.
    const publishedBefore = w.mesh(GA).bridgeStats?.published ?? 0;
    const r = w.secure(A1).send(w.air.now, B1, text("dm to b1"), { wantAck: true });
    t.ok(r.ok);
    runUntil(t, w, 120, "the DM's end-to-end ACK", () => w.air.eventsOf(A1, "acked").some((e) => e.dst === B1));
    w.air.run(w.air.now + 30_000);
    t.equal(countOf(payloadsOf(w, B1, A1), "dm to b1"), 1, "b1 got the DM once");
    t.atLeast((w.mesh(GA).bridgeStats?.published ?? 0) - publishedBefore, 1, "it went over the bridge");
    t.atLeast(w.mesh(GB).bridgeStats?.injected ?? 0, 1);
    // The broker's view: every publication is a sealed frame (opens with the key, and the
    // payload text appears nowhere in it).
    const key = networkKeys(TEST_NETWORK_KEY).frame;
    t.atLeast(w.hub.published.length, 2);
    for (const p of w.hub.published) {
      t.ok(openFrame(key, p.bytes).ok, "sealed under the network key");
      const hay = String.fromCharCode(...p.bytes);
      t.ok(!hay.includes("hello") && !hay.includes("dm to"), "no plaintext on the broker");
      t.ok(p.cluster === "u281" || p.cluster === "u289", p.cluster);
    }
  },
  "the bridge goes down: the route fails over to the LoRa chain, and comes back with the bridge"(t) {
    const w = world({ chain: true, secondGatewayB: false });
    connectAll(w, [GA, GB]);
    converge(t, w);
    // a1 prefers the bridge and holds the chain's route as its second (c1 advertises the chain:
    // its own way through a1 and the bridge costs more).
    const routesToB = (): NodeId[] => (w.mesh(A1).routeTable(w.air.now).find((r) => r.kind === "cluster" && r.destination === CLUSTER_B)?.routes ?? []).map((r) => r.via);
    runUntil(t, w, 3600, "a1 routes to cluster B via gA and holds the chain as its second route", () => routesToB()[0] === GA && routesToB().includes(CHAIN[0]));
    t.ok(w.secure(B1).send(w.air.now, BROADCAST, text("where is b1")).ok);
    runUntil(t, w, 120, "a1 learns b1's cluster", () => w.mesh(A1).locationOf(B1, w.air.now) === CLUSTER_B);
    let acked = w.air.eventsOf(A1, "acked").length;
    const send = (label: string): void => {
      const r = w.secure(A1).send(w.air.now, B1, text(label), { wantAck: true });
      t.ok(r.ok, label);
      runUntil(t, w, 180, `${label} acknowledged`, () => w.air.eventsOf(A1, "acked").length > acked);
      acked = w.air.eventsOf(A1, "acked").length;
    };
    const viaBridge = (): number => w.mesh(GA).bridgeStats?.published ?? 0;
    const viaChain = (): number => w.mesh(CHAIN[3]).stats.relayed;
    // Route choice spreads data over the selected routes by Share(r) (§6.2): part goes over the
    // bridge, part along the chain (the shares are reported, not asserted).
    let b0 = viaBridge();
    for (let i = 0; i < 6; i++) send(`before${i}`);
    const beforeBridge = viaBridge() - b0;
    t.atLeast(beforeBridge, 1, "before the outage: over the bridge");
    // The broker dies: both uplinks go down (each gateway sees its connection drop).
    w.hub.disconnect(GA, w.air.now);
    w.hub.disconnect(GB, w.air.now);
    const failover = runUntil(t, w, 120, "a1 routes via the chain only", () => routesToB()[0] === CHAIN[0] && !routesToB().includes(GA));
    t.atMost(failover, 10_000, "a1 drops the bridge route within the triggered-OGM gap (7.5 s) plus a second");
    t.equal(w.mesh(GA).bridgeStats?.withdrawals, 1);
    b0 = viaBridge();
    let c0 = viaChain();
    for (let i = 0; i < 3; i++) send(`during${i}`);
    t.equal(viaBridge() - b0, 0, "during the outage: nothing published");
    t.atLeast(viaChain() - c0, 3, "during the outage: all along the chain");
    // The broker is back.
    w.hub.connect(GA, w.air.now);
    w.hub.connect(GB, w.air.now);
    const back = runUntil(t, w, 300, "a1 routes via gA again", () => routesToB()[0] === GA);
    t.atMost(back, 10_000, "the bridge route is back within the gateway's early OGM");
    b0 = viaBridge();
    c0 = viaChain();
    for (let i = 0; i < 6; i++) send(`after${i}`);
    const afterBridge = viaBridge() - b0;
    t.atLeast(afterBridge, 1, "after the outage: over the bridge again");
    w.air.run(w.air.now + 60_000);
    for (const label of ["before", "during", "after"]) {
      for (let i = 0; i < (label === "during" ? 3 : 6); i++) t.equal(countOf(payloadsOf(w, B1, A1), `${label}${i}`), 1, `"${label}${i}" delivered once`);
    }
    if ((globalThis as { BRIDGE_FIGURES?: boolean }).BRIDGE_FIGURES === true) {
      (globalThis as { print?: (s: string) => void }).print?.(`failover ${failover} ms, back ${back} ms, before: ${beforeBridge}/6 via bridge, after: ${afterBridge}/6`);
    }
  },
  "a DM to a node never heard from is located across the bridge (the far gateway answers) and delivered once"(t) {
    const w = world({ chain: false, secondGatewayB: false });
    connectAll(w, [GA, GB]);
    converge(t, w);
    t.equal(w.mesh(A1).locationOf(B2, w.air.now), undefined);
    t.ok(w.secure(A1).send(w.air.now, B2, text("found you"), { wantAck: true }).ok);
    runUntil(t, w, 180, "the DM to b2 acknowledged", () => w.air.eventsOf(A1, "acked").some((e) => e.dst === B2));
    t.equal(w.mesh(A1).locationOf(B2, w.air.now), CLUSTER_B, "a1 learnt b2's cluster from gB's answer");
    t.atLeast(w.mesh(GA).bridgeStats?.publishedLocates ?? 0, 1);
    t.equal(w.mesh(GB).bridgeStats?.answeredLocates, 1);
    w.air.run(w.air.now + 30_000);
    t.equal(countOf(payloadsOf(w, B2, A1), "found you"), 1);
  },
  "farLookupLevel (§16) stays off where a gateway's routes are held: a failed lookup asks up to the widest ring (which crossed the bridge) and no farther"(t) {
    // City B 9 rings east of A: a1 knows B's cluster only over the bridge (gA's route, and b1's
    // broadcast, which crossed). Without the exception a1 would ask scope 7 over its whole mesh and
    // across the bridge a second time before its network flood.
    const w = world({ chain: false, secondGatewayB: false, bLon: 14.5 });
    connectAll(w, [GA, GB]);
    const clusterB = w.mesh(B1).cluster;
    t.atLeast(clusterDistance(w.mesh(A1).cluster, clusterB), 5, "B beyond the widest ring round A");
    runUntil(t, w, 900, "a1's route to cluster B", () => w.mesh(A1).canReach(B1, clusterB, w.air.now));
    t.ok(w.secure(B1).send(w.air.now, BROADCAST, text("hi")).ok);
    w.air.run(w.air.now + 60_000);
    t.equal(w.mesh(A1).locationOf(B1, w.air.now), clusterB, "a1 learnt b1's cluster from its broadcast");
    const key = networkKeys(TEST_NETWORK_KEY).frame;
    const mark = w.air.air.length;
    t.ok(w.secure(A1).send(w.air.now, 0x0999_0001, text("anyone"), { wantAck: true }).ok);
    w.air.run(w.air.now + 120_000);
    const scopes: number[] = [];
    for (const r of w.air.air.slice(mark)) {
      const o = r.tx === A1 ? openFrame(key, r.bytes) : undefined;
      const d = o?.ok === true ? decodeFrame(o.inner) : undefined;
      if (d?.ok === true && d.frame.type === FrameType.LOCATE_Q) scopes.push(d.frame.scope);
    }
    t.equal(Math.max(...scopes), w.mesh(A1).config.locateMaxScope, `a1's queries asked scopes ${scopes.join(", ")}: none past the widest`);
    t.equal(w.mesh(A1).stats.lookupsFar, 0);
  },
  "a location query crosses the bridge without the forwarder list it carried on the air"(t) {
    const w = world({ chain: false, secondGatewayB: false });
    connectAll(w, [GA, GB]);
    converge(t, w);
    // a1's query at the widest level names gA and a2, a backup: names of cluster A's air only.
    const key = networkKeys(TEST_NETWORK_KEY).frame;
    const q = { type: FrameType.LOCATE_Q, tx: A1, ttl: 8, hops: 0, scope: w.mesh(GA).config.locateMaxScope, asker: A1, qid: 777, askerCluster: CLUSTER_A, target: 0x0999_0001, forwarders: [shortId(GA), shortId(A2)], backup: true } as const;
    const sealed = sealFrame(key, encodeFrame(q), 4_000_000);
    t.ok(sealed.ok);
    if (!sealed.ok) return;
    const from = w.hub.published.length;
    w.air.inject(A1, sealed.bytes, GA);
    w.air.run(w.air.now + 5_000);
    let crossed = 0;
    for (const p of w.hub.published.slice(from)) {
      const o = openFrame(key, p.bytes);
      const d = o.ok ? decodeFrame(o.inner) : undefined;
      if (d?.ok !== true || d.frame.type !== FrameType.LOCATE_Q || d.frame.qid !== 777) continue;
      crossed++;
      t.equal(d.frame.forwarders, undefined, "no forwarder list on the bridge");
      t.ok(d.frame.backup !== true, "no backup flag on the bridge");
    }
    t.atLeast(crossed, 1, "the query crossed");
  },
  "two gateways serve one cluster: exactly one injects each frame, and the other takes over when it dies"(t) {
    const w = world({ chain: false, secondGatewayB: true });
    connectAll(w, [GA, GB, GB2]);
    converge(t, w);
    t.ok(w.secure(B1).send(w.air.now, BROADCAST, text("b1 here")).ok);
    runUntil(t, w, 120, "a1 learns b1's cluster", () => w.mesh(A1).locationOf(B1, w.air.now) === CLUSTER_B);
    w.air.run(w.air.now + 30_000);
    t.equal(countOf(payloadsOf(w, A1, B1), "b1 here"), 1, "broadcast once at a1");
    // One of gB, gB2 speaks for u289: only it published b1's broadcast.
    const pubB = w.mesh(GB).bridgeStats?.publishedBroadcasts ?? 0;
    const pubB2 = w.mesh(GB2).bridgeStats?.publishedBroadcasts ?? 0;
    t.equal(pubB + pubB2, 1, "one gateway of cluster B published the broadcast");
    const designated = pubB === 1 ? GB : GB2;
    const other = designated === GB ? GB2 : GB;
    for (let i = 0; i < 3; i++) {
      t.ok(w.secure(A1).send(w.air.now, B1, text(`m${i}`), { wantAck: true }).ok);
      runUntil(t, w, 120, `m${i} acknowledged`, () => w.air.eventsOf(A1, "acked").length > i);
    }
    const injD = w.mesh(designated).bridgeStats?.injected ?? 0;
    t.atLeast(injD, 3, "the designated gateway injected the DMs");
    t.equal(w.mesh(other).bridgeStats?.injected ?? 0, 0, "the other injected none");
    t.atLeast(w.mesh(other).bridgeStats?.dropNotDesignated ?? 0, 3, "the other received them and stood down");
    // The designated gateway dies: its last-will makes the other take over.
    w.hub.disconnect(designated, w.air.now);
    t.ok(w.secure(A1).send(w.air.now, B1, text("after takeover"), { wantAck: true }).ok);
    runUntil(t, w, 120, "acknowledged after the takeover", () => w.air.eventsOf(A1, "acked").length > 3);
    t.atLeast(w.mesh(other).bridgeStats?.injected ?? 0, 1, "the other gateway injects now");
    w.air.run(w.air.now + 30_000);
    for (const label of ["m0", "m1", "m2", "after takeover"]) t.equal(countOf(payloadsOf(w, B1, A1), label), 1, `${label} delivered once`);
  },
  "hostile input on the bridge is counted and never put on the air"(t) {
    const w = world({ chain: false, secondGatewayB: false });
    connectAll(w, [GA, GB]);
    converge(t, w);
    const keys = networkKeys(TEST_NETWORK_KEY);
    const other = networkKeys(TEST_NETWORK_KEY.map((b, i) => (i === 3 ? b ^ 1 : b)));
    const sb = w.secure(GB).bridge;
    const inner = w.mesh(GB).bridgeStats;
    t.ok(sb !== undefined && inner !== undefined);
    if (sb === undefined || inner === undefined) return;
    const data = (tx: NodeId, dstCluster: number, seq: number): DataFrame => ({
      type: FrameType.DATA, tx, next: 0x99, ttl: 10, hops: 1, priority: 3, src: A1, dst: B1, seq, dstCluster, wantAck: false, bounced: false, attempt: 0, payload: plainEnvelope(text("evil")),
    });
    const seal = (k: Uint8Array, f: Parameters<typeof encodeFrame>[0], counter: number): Uint8Array => {
      const r = sealFrame(k, encodeFrame(f), counter);
      if (!r.ok) throw new Error(r.reason);
      return r.bytes;
    };
    const airBefore = w.air.air.length;
    const now = w.air.now;
    // Oversized, truncated, garbage, another network's key.
    w.hub.inject(GB, new Uint8Array(300).fill(0x11), GA, now);
    w.hub.inject(GB, new Uint8Array([0x11, 1, 2]), GA, now);
    w.hub.inject(GB, new Uint8Array(60).fill(0x11), GA, now);
    w.hub.inject(GB, seal(other.frame, data(GA, CLUSTER_B, 900), 5_000_000), GA, now);
    // Sealed with the right key but hostile: a type that never crosses, a sender that is no
    // gateway, a cluster this gateway does not serve.
    const ogm: OgmFrame = { type: FrameType.OGM, tx: GA, ogmSeq: 1, hasFix: true, border: false, relayActive: true, homeless: false, cluster: CLUSTER_A, battery: 255, load: 0, intervalUnits: 1, relayPrio: 0, routeSeq: 1, cycle: 1, neighbours: [], nodeRoutes: [], clusterRoutes: [] };
    w.hub.inject(GB, seal(keys.frame, ogm, 4_000_000), GA, now);
    w.hub.inject(GB, seal(keys.frame, data(0x77, CLUSTER_B, 901), 1), GA, now);
    w.hub.inject(GB, seal(keys.frame, data(GA, CLUSTER_A, 902), 4_000_001), GA, now);
    const s = sb.stats;
    t.equal(s.oversized, 1, "oversized");
    t.equal(s.truncated, 1, "truncated");
    t.equal(s.badTag, 2, "garbage and another network's key");
    t.equal(inner.dropType, 1, "an OGM over the bridge");
    t.equal(inner.dropUnknownGateway, 1, "a sender that is no gateway");
    t.equal(inner.dropNotServed, 1, "a cluster gB does not serve");
    w.air.run(w.air.now + 20_000);
    // Nothing gB put on the air since carried anything but its own control traffic.
    for (const rec of w.air.air.slice(airBefore)) {
      if (rec.tx !== GB) continue;
      const o = openFrame(keys.frame, rec.bytes);
      t.ok(o.ok);
      if (o.ok) t.ok((o.inner[0] & 15) !== FrameType.DATA && (o.inner[0] & 15) !== FrameType.BCAST, `gB sent type ${o.inner[0] & 15}`);
    }
    t.equal(payloadsOf(w, B1, A1).filter((p) => p === "evil").length, 0, "no hostile payload delivered");
    // A replay: a frame that crossed once (anyone holding the network key can send what a
    // gateway sends, so the first copy is delivered) is refused the second time.
    const legit = seal(keys.frame, data(GA, CLUSTER_B, 903), 4_000_002);
    w.hub.inject(GB, legit, GA, w.air.now);
    w.air.run(w.air.now + 10_000);
    w.hub.inject(GB, legit, GA, w.air.now);
    w.air.run(w.air.now + 10_000);
    t.equal(s.replayed, 1, "the replay is counted");
    t.equal(payloadsOf(w, B1, A1).filter((p) => p === "evil").length, 1, "and not delivered again");
  },
});
