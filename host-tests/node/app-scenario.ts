// A fixed run of the firmware application on two emulated boards, run identically on Node
// (vitest) and on the XS engine (app-scenario.xs.ts bundled for xsnap): boot, GPS, mesh
// convergence, a private console message and its acknowledgement, a setting kept across a reboot
// (a new network name: the network key is derived again, PBKDF2 on XS). ES2022
// only and no host APIs; the result is the two consoles' text, so the engines compare exactly.
import { BOARD_PROFILES } from "../../boards";
import { radioChips, txPowerRange } from "../../boards/common/board-profile";
import { SettingsStore } from "../../src/app/settings";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { HostNode } from "../../src/host/host-node";
import { HostPreference } from "../../src/host/preference";

export interface AppScenarioResult {
  readonly consoles: readonly string[];
  readonly endTime: number;
}

function shortFast(board: "tbeam" | "heltec-v2"): HostPreference {
  const prefs = new HostPreference();
  new SettingsStore(prefs, txPowerRange(radioChips(BOARD_PROFILES[board]))).set("preset", "SHORT_FAST");
  return prefs;
}

export function runAppScenario(): AppScenarioResult {
  const clock = new VirtualClock({ seed: 11 });
  const air = new Air(clock);
  const a = new HostNode({ air, board: "tbeam", chip: "sx1262", name: "a", id: 0x00a1, position: { x: 0, y: 0 }, preferences: shortFast("tbeam") });
  const b = new HostNode({ air, board: "heltec-v2", name: "b", id: 0x00b2, position: { x: 300, y: 0 }, preferences: shortFast("heltec-v2") });
  a.gpsModule({ lat: 48.1374, lon: 11.5755 });
  clock.runUntil(() => a.running.mesh?.node.hasRouteTo(0x00b2, clock.now()) === true, 120_000);
  // A private message: a has only b's KEY-frame key if it heard it; otherwise it asks b through
  // the mesh first. b's first answer can find no route back yet (b has not heard a's OGM), so
  // the answer may wait for a's second request 30 s later: allow two request intervals.
  a.type("send 000000b2 grüß dich");
  clock.runUntil(() => a.output.includes("[ack]"), 75_000);
  b.type("set name valley");
  b.type("reboot");
  clock.advance(1_000);
  b.type("get name");
  a.type("status");
  clock.advance(100);
  return { consoles: [a.output, b.output], endTime: Math.round(clock.now() * 1000) / 1000 };
}
