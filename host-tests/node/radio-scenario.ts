// A fixed radio scenario run identically on Node (vitest) and on the XS engine (radio-scenario.xs.ts
// bundled for xsnap): both drivers, both emulators, the air and the virtual clock, ES2022 only and
// no host APIs. Its result is plain data so the two engines' runs can be compared exactly.
import { presetConfig, type RadioPacket } from "../../drivers/radio";
import { PRESETS } from "../../src/core/presets";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { sx126xNode, sx127xNode } from "../../src/host/node";

export interface ScenarioResult {
  readonly received: { readonly at: string; readonly bytes: number[]; readonly rssi: number; readonly snr: number; readonly time: number }[];
  readonly sendErrors: string[];
  readonly cad: boolean[];
  readonly crcErrors: number[];
  readonly violations: string[];
  readonly endTime: number;
}

export function runScenario(): ScenarioResult {
  const clock = new VirtualClock({ seed: 42 });
  const air = new Air(clock, { fadingSigmaDb: 2 });
  const a = sx127xNode({ air, name: "a", position: { x: 0, y: 0 } });
  const b = sx126xNode({ air, name: "b", position: { x: 800, y: 300 } });
  const received: ScenarioResult["received"] = [];
  const log = (at: string) => (p: RadioPacket) =>
    received.push({ at, bytes: Array.from(p.bytes), rssi: p.rssi, snr: p.snr, time: Math.round(p.at * 1000) / 1000 });
  const config = { frequencyHz: 869_525_000, ...presetConfig(PRESETS.MEDIUM_FAST) };
  const ra = a.openRadio({ clock, config, onPacket: log("a") });
  const rb = b.openRadio({ clock, config, onPacket: log("b") });
  ra.startReceive();
  rb.startReceive();
  const sendErrors: string[] = [];
  const cad: boolean[] = [];
  let pending = 0;
  const done = (e?: Error): void => {
    pending--;
    if (e) sendErrors.push(e.message);
  };
  for (let i = 0; i < 4; i++) {
    pending++;
    (i % 2 === 0 ? ra : rb).send(Uint8Array.from({ length: 20 + i * 30 }, (_, k) => (k * 7 + i) & 0xff), done);
    clock.runUntil(() => pending === 0, 10_000);
    clock.advance(50);
  }
  rb.cad((busy) => cad.push(busy));
  clock.advance(100);
  pending++;
  ra.send(Uint8Array.of(1, 2, 3), done);
  clock.advance(20);
  rb.cad((busy) => cad.push(busy));
  clock.advance(1_000);
  ra.close();
  rb.close();
  return {
    received,
    sendErrors,
    cad,
    crcErrors: [ra.statistics.crcErrors, rb.statistics.crcErrors],
    violations: [...a.chip.violations, ...b.chip.violations],
    endTime: Math.round(clock.now() * 1000) / 1000,
  };
}
