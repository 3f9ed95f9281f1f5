// The real application on the host: five nodes of mixed boards (SX1276 and SX1262) on the
// virtual air, driven only through their serial consoles and GPS UARTs, exactly as people and
// GPS modules drive the boards. Everything runs in virtual time from fixed seeds. Every frame on
// the air is sealed (src/core/security), and `send` is an end-to-end private message.
import ngeohash from "ngeohash";
import { describe, expect, test } from "vitest";
import { BOARD_PROFILES } from "../../boards";
import type { BoardName, RadioChip } from "../../boards/common/board-profile";
import { radioChips, txPowerRange } from "../../boards/common/board-profile";
import { liIonLevel } from "../../src/app/battery";
import { SETTINGS_DOMAIN, SettingsStore } from "../../src/app/settings";
import { PUBLIC_KEY_WARNING, SECURITY_DOMAIN, SECURITY_KEYS } from "../../src/app/security";
import { BATTERY_PERIOD_MS } from "../../src/app/start";
import { sealedCounter } from "../../src/core/security/secure-station";
import { formatNodeId } from "../../src/core/station";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { fixSentences, nmeaSentence } from "../../src/host/gps-source";
import { HostNode } from "../../src/host/host-node";
import { HostPreference } from "../../src/host/preference";
import { lastBoot } from "./host-console";

const MUNICH = { lat: 48.1374, lon: 11.5755 };

/** A Preference store holding what a user would have `set` before: here SHORT_FAST for quick runs. */
function storeWith(board: BoardName, settings: Record<string, string>): HostPreference {
  const prefs = new HostPreference();
  const store = new SettingsStore(prefs, txPowerRange(radioChips(BOARD_PROFILES[board])));
  for (const [key, value] of Object.entries(settings)) {
    const r = store.set(key, value);
    if (!r.ok) throw new Error(r.error);
  }
  return prefs;
}

/** Every frame put on the air, by sender (a radio that listens to everything, outsider's view). */
function tapAir(air: Air): Array<{ readonly sender: string; readonly bytes: Uint8Array; readonly at: number }> {
  const frames: Array<{ sender: string; bytes: Uint8Array; at: number }> = [];
  const transmit = air.transmit.bind(air);
  Object.defineProperty(air, "transmit", {
    value: (...args: Parameters<Air["transmit"]>) => {
      frames.push({ sender: args[0].name, bytes: args[1].slice(), at: air.clock.now() });
      return transmit(...args);
    },
  });
  return frames;
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

/** The boot output without the public-key warning every default-key node prints. */
function withoutPublicKeyWarning(text: string): string {
  return text.split(PUBLIC_KEY_WARNING + "\r\n").join("");
}

/** Output printed after `mark` (an index into node.output). */
function since(node: HostNode, mark: number): string {
  return node.output.slice(mark);
}

/**
 * Types a line and returns the console's answer, up to its next prompt. The answer can take a
 * few virtual milliseconds: the UART callback waits behind other nodes' radio work.
 */
function ask(node: HostNode, line: string): string {
  const mark = node.output.length;
  node.type(line);
  if (!node.clock.runUntil(() => /\r\n> $/.test(since(node, mark)), 1000)) throw new Error(`${node.name}: no answer to "${line}"`);
  return since(node, mark);
}

interface Spec {
  readonly board: BoardName;
  readonly chip?: RadioChip;
  readonly gps: boolean;
}

describe("host run: five mixed boards converge and carry a console message across four hops", () => {
  // A line 1–2–3–4–5: each node hears only its neighbours (fixed links, every other pair far
  // out of range), so the first and the last are four hops apart.
  const specs: Spec[] = [
    { board: "tbeam", chip: "sx1276", gps: true },
    { board: "heltec-v3", gps: false },
    { board: "tbeam", chip: "sx1262", gps: true },
    { board: "heltec-v2", gps: true },
    { board: "heltec-v3", gps: false },
  ];
  const clock = new VirtualClock({ seed: 7 });
  const air = new Air(clock, { defaultPathLossDb: 200 });
  const nodes = specs.map(
    (s, i) =>
      new HostNode({
        air,
        board: s.board,
        chip: s.chip,
        name: `n${i + 1}`,
        id: 0x5a000001 + i,
        preferences: storeWith(s.board, { preset: "SHORT_FAST" }),
      }),
  );
  for (let i = 0; i + 1 < nodes.length; i++) air.setLink(nodes[i].name, nodes[i + 1].name, { rssiDbm: -100, snrDb: 6 });
  specs.forEach((s, i) => {
    // About 100 m apart, all in one geohash-4 cluster ("u281").
    if (s.gps) nodes[i].gpsModule({ lat: MUNICH.lat + i * 0.0009, lon: MUNICH.lon });
  });
  const first = nodes[0];
  const last = nodes[4];
  const lastId = formatNodeId(0x5a000005);
  const air_ = tapAir(air);

  test("every board boots with its radio: SX1276 and SX1262 both present", () => {
    const chips = nodes.map((n) => n.running.mesh?.chip);
    expect(chips).toEqual(["sx1276", "sx1262", "sx1262", "sx1276", "sx1262"]);
    for (const n of nodes) expect(n.output).toMatch(/radio: sx12\d\d EU868 SHORT_FAST @ 869\.525 MHz, 17 dBm\r\n/);
  });

  test("they converge within a few OGM intervals: every node has a route to every other", () => {
    const ids = nodes.map((_, i) => 0x5a000001 + i);
    const allRouted = (): boolean =>
      nodes.every((n, i) => ids.every((id, j) => i === j || n.running.mesh!.node.hasRouteTo(id, clock.now())));
    expect(clock.runUntil(allRouted, 10 * 60_000)).toBe(true);
    // SHORT_FAST, 30 s OGMs: four hops need a few intervals, not many.
    expect(clock.now()).toBeLessThan(5 * 60_000);
    const routes = ask(first, "routes");
    expect(routes).toMatch(new RegExp(`${lastId}\\s+5a000002`));
    // The GPS-less Heltec V3 found its cluster from its neighbours' OGMs.
    expect(ask(nodes[1], "status")).toMatch(/cluster\s+u281\r\n/);
  });

  test("`send <last> hello` typed at the first node's console comes out of the last node's console, private", () => {
    const lastMark = last.output.length;
    const firstMark = first.output.length;
    const airMark = air_.length;
    // What the relays' cores get to see once they opened each hop's seal (an insider's view).
    const relayed: Uint8Array[] = [];
    for (const relay of nodes.slice(1, 4)) {
      const node = relay.running.mesh!.node;
      const receive = node.receive.bind(node);
      Object.defineProperty(node, "receive", { value: (bytes: Uint8Array, meta: Parameters<typeof receive>[1]) => (relayed.push(bytes.slice()), receive(bytes, meta)) });
    }
    const answer = ask(first, `send ${lastId} hello`);
    // The first node has only its neighbours' keys (KEY frames at boot): it fetches the last one's.
    expect(answer).toMatch(/queued #\d+ to 5a000005 \(private; asking 5a000005 for its key first\)/);
    const arrived = clock.runUntil(() => since(last, lastMark).includes("hello"), 60_000);
    expect(arrived).toBe(true);
    expect(since(last, lastMark)).toMatch(/\[dm\] 5a000001 → 5a000005 \(4 hops\): hello\r\n/);
    // Neither an outsider on the air nor the relays (who hold the network key) saw the text:
    // every frame is sealed per hop, and the DM is sealed end to end inside.
    const frames = air_.slice(airMark);
    expect(frames.some((f) => f.sender === "n2") && frames.some((f) => f.sender === "n4")).toBe(true);
    expect(frames.filter((f) => contains(f.bytes, "hello"))).toEqual([]);
    expect(relayed.length).toBeGreaterThan(3);
    expect(relayed.filter((b) => contains(b, "hello"))).toEqual([]);
    expect(last.running.mesh!.secure.stats.dmReceived).toBe(1);
    expect(first.running.mesh!.secure.knowsKeyOf(0x5a000005)).toBe(true);
    // The end-to-end acknowledgement comes back to the sender's console.
    expect(clock.runUntil(() => since(first, firstMark).includes("[ack]"), 60_000)).toBe(true);
    expect(since(first, firstMark)).toMatch(/\[ack\] #\d+ to 5a000005 arrived \(4 hops\)/);
    // Every node drove its chip correctly the whole time. The one exception is expected: on the
    // SX1262 T-Beam the SX1276 probe's RegVersion reads (0x42) reach the SX1262 as unknown opcodes.
    for (const n of nodes) {
      const probe = n.name === "n3" ? /unknown opcode 0x42$/ : /^$/;
      expect(n.radioChip?.violations.filter((v) => !probe.test(v)), n.name).toEqual([]);
    }
    expect(nodes[2].radioChip?.violations.length).toBeGreaterThan(0);
  });

  test("each node's battery reading reaches its neighbours' tables through the core", () => {
    // The T-Beam's cell (read through the AXP192's ADC) drops to 3.6 V; within a battery period
    // and an OGM interval its neighbour knows.
    first.batteryMillivolts = 3600;
    const level = liIonLevel(3600) as number;
    const seen = (): number | undefined => nodes[1].running.mesh!.node.neighbours(clock.now()).find((n) => n.id === 0x5a000001)?.battery;
    expect(clock.runUntil(() => Math.abs((seen() ?? -1) - level) < 0.01, BATTERY_PERIOD_MS + 2 * 60_000)).toBe(true);
    // The Heltec V2 reads its 3.9 V cell through the ADC divider (×3.2): the same level arrives.
    const v2 = nodes[2].running.mesh!.node.neighbours(clock.now()).find((n) => n.id === 0x5a000004)?.battery as number;
    expect(v2).toBeCloseTo(liIonLevel(3900) as number, 1);
  });

  test("a broadcast typed at the middle node reaches all four others", () => {
    const marks = nodes.map((n) => n.output.length);
    expect(ask(nodes[2], "broadcast market at 10")).toMatch(/queued #\d+ to all/);
    const heard = (): boolean => nodes.every((n, i) => i === 2 || since(n, marks[i]).includes("market at 10"));
    expect(clock.runUntil(heard, 60_000)).toBe(true);
    nodes.forEach((n, i) => {
      if (i !== 2) expect(since(n, marks[i])).toMatch(/\[msg\] 5a000003 → all \((1|2) hops?\): market at 10/);
    });
  });

  test("status shows the security figures: node key fingerprint, frames sealed and opened, nothing rejected", () => {
    const status = ask(nodes[2], "status");
    const fp = nodes[2].running.mesh!.secure.fingerprintOf(0x5a000003) as string;
    expect(fp).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
    expect(status).toContain(`node key     ${fp}\r\n`);
    expect(status).toMatch(/sealed\s+[1-9]\d* sealed, [1-9]\d* opened, rejected none\r\n/);
    expect(status).toMatch(/network key\s+public default \(network id [0-9a-f]{8}\)\r\n/);
    // Every node runs on the public default key and said so at boot.
    for (const n of nodes) expect(n.output).toContain(PUBLIC_KEY_WARNING);
  });

  test("a relay that crashes resumes its frame counter above every value it put on the air before", () => {
    const relay = nodes[2];
    const before = air_.filter((f) => f.sender === "n3").map((f) => sealedCounter(f.bytes) as number);
    expect(before.length).toBeGreaterThan(10);
    const marks = [SECURITY_KEYS.counter, SECURITY_KEYS.counterCopy].map((k) => relay.preferences.get(SECURITY_DOMAIN, k));
    expect(marks.every((m) => m instanceof ArrayBuffer)).toBe(true);
    const airMark = air_.length;
    // Power cut: no shutdown hook runs (the app has none; the counter only ever writes ahead).
    relay.stop();
    relay.start();
    const back = (): boolean => [1, 3].every((i) => nodes[i].running.mesh!.node.neighbours(clock.now()).some((n) => n.id === 0x5a000003));
    clock.advance(90_000);
    expect(back()).toBe(true);
    const after = air_.slice(airMark).filter((f) => f.sender === "n3").map((f) => sealedCounter(f.bytes) as number);
    expect(after.length).toBeGreaterThan(2);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    // No counter twice on the air from this node, across the crash.
    const all = [...before, ...after];
    expect(new Set(all).size).toBe(all.length);
    // Its neighbours accepted the new frames as fresh: nothing replayed, nothing too old.
    for (const i of [1, 3]) {
      const st = nodes[i].running.mesh!.secure.stats;
      expect(st.replayed + st.tooOld, nodes[i].name).toBe(0);
    }
  });
});

describe("host run: GPS, reboot, corrupted settings", () => {
  function single(board: BoardName, options: { chip?: RadioChip; preferences?: HostPreference; noRadio?: boolean } = {}) {
    const clock = new VirtualClock({ seed: 3 });
    const air = new Air(clock);
    const node = new HostNode({ air, board, chip: options.chip, name: "solo", id: 0x0a1b2c3d, preferences: options.preferences, noRadio: options.noRadio });
    clock.advance(100);
    return { clock, node };
  }

  test("the host GPS source frames sentences like the published GGA example (checksum *47)", () => {
    expect(nmeaSentence("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")).toBe(
      "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n",
    );
  });

  test("NMEA into a T-Beam's GPS UART gives the fix and the right cluster; a bad sentence changes nothing", () => {
    const { node } = single("tbeam", { chip: "sx1262" });
    expect(ask(node, "status")).toMatch(/gps\s+no fix\r\n[\s\S]*cluster\s+none/);
    node.gps(fixSentences(MUNICH));
    node.clock.advance(10);
    const status = ask(node, "status");
    expect(status).toMatch(/gps\s+fix 48\.13740, 11\.57550, 8 satellites/);
    // The expected cluster comes from an independent geohash implementation (npm ngeohash).
    const expected = ngeohash.encode(MUNICH.lat, MUNICH.lon, 4);
    expect(expected).toBe("u281");
    expect(status).toMatch(new RegExp(`cluster\\s+${expected}\\r\\n`));
    // A sentence with a wrong checksum, for a point in another cluster, is dropped.
    const elsewhere = fixSentences({ lat: -33.86, lon: 151.21 }).replace(/\*([0-9A-F]{2})\r\n/g, (_, c: string) => `*${c === "00" ? "01" : "00"}\r\n`);
    node.gps(elsewhere);
    node.clock.advance(10);
    expect(ask(node, "status")).toMatch(new RegExp(`cluster\\s+${expected}\\r\\n`));
    expect(node.running.app.gps?.counters.badChecksum).toBe(2);
  });

  test("the precision setting is the cluster's geohash length (after a reboot)", () => {
    const { clock, node } = single("tbeam", { chip: "sx1276" });
    expect(ask(node, "set precision 6")).toMatch(/precision = 6 \(saved; takes effect after reboot\)/);
    node.type("reboot");
    clock.advance(1000);
    node.gps(fixSentences(MUNICH));
    clock.advance(10);
    expect(ask(node, "status")).toMatch(new RegExp(`cluster\\s+${ngeohash.encode(MUNICH.lat, MUNICH.lon, 6)}\\r\\n`));
  });

  test("reboot keeps settings, and the node comes back with its radio (nothing leaked)", () => {
    const { clock, node } = single("heltec-v3");
    const pinsAfterBoot = node.hostBoard.pinsInUse();
    expect(ask(node, "set name hilltop")).toMatch(/name = hilltop \(saved/);
    expect(ask(node, "set preset MEDIUM_FAST")).toMatch(/preset = MEDIUM_FAST/);
    const mark = node.output.length;
    node.type("reboot");
    clock.advance(1000);
    expect(node.boots).toBe(2);
    const reboot = since(node, mark);
    expect(reboot).toMatch(/rebooting…[\s\S]*System 5 on Heltec WiFi LoRa 32 V3/);
    expect(reboot).toMatch(/radio: sx1262 EU868 MEDIUM_FAST @ 869\.525 MHz/);
    expect(withoutPublicKeyWarning(reboot)).not.toMatch(/warning|error/);
    // The new network name salts the network key: derived once, then cached for the next boot.
    expect(reboot).toMatch(/security: deriving the network key/);
    expect(reboot).toMatch(/security: network [0-9a-f]{8} \(public default key\)/);
    expect(ask(node, "get name")).toMatch(/name = hilltop/);
    expect(node.hostBoard.pinsInUse()).toEqual(pinsAfterBoot);
  });

  test("a board whose radio does not answer still boots: the console says why and refuses to send", () => {
    const { node } = single("tbeam", { noRadio: true });
    expect(node.output).toMatch(/error: no LoRa radio answered \(sx1276: SX127x not found.*; sx1262: SX126x not found.*\); the mesh is not running\r\n/);
    expect(ask(node, "send 00000002 hi")).toMatch(/error: send failed: the mesh is not running yet/);
    expect(ask(node, "status")).toMatch(/radio\s+not started/);
    // Every pin the probes opened was released.
    expect(node.hostBoard.pinsInUse()).not.toContain(18);
  });

  test("a corrupted settings store boots with defaults and a warning, and the node runs", () => {
    const prefs = new HostPreference();
    prefs.corrupt(SETTINGS_DOMAIN, "region", 868);
    prefs.corrupt(SETTINGS_DOMAIN, "preset", "TURBO!!");
    prefs.corrupt(SETTINGS_DOMAIN, "precision", "four");
    const { node } = single("heltec-v2", { preferences: prefs });
    expect(node.output).toMatch(/warning: stored region has the wrong type \(number\); using EU868/);
    expect(node.output).toMatch(/warning: .*preset.*; using LONG_FAST/);
    expect(node.output).toMatch(/radio: sx1276 EU868 LONG_FAST @ 869\.525 MHz/);
    expect(ask(node, "get")).toMatch(/region\s+EU868\r\npreset\s+LONG_FAST\r\ntxpower\s+17\r\nprecision\s+4/);
    // The bad values were removed: the next boot is clean.
    node.type("reboot");
    node.clock.advance(1000);
    expect(withoutPublicKeyWarning(lastBoot(node))).not.toMatch(/warning/);
  });
});
