// Boot on host fakes: settings survive a reboot, a corrupted store boots with defaults, the
// board is powered up, GPS and battery reach the console, the mesh binding narrows tx power.
import { describe, expect, test } from "vitest";
import { BOARD_PROFILES } from "../../boards";
import type { BoardName } from "../../boards/common/board-profile";
import { BoardPower } from "../../boards/common/power";
import { boot, type MeshBinding } from "../../src/app/boot";
import { SETTINGS_DOMAIN } from "../../src/app/settings";
import { encodeUtf8 } from "../../src/app/utf8";
import { FakeAxp192 } from "../fakes/axp192";
import { FakeBoard } from "../fakes/io";
import { FakePreference } from "../fakes/preference";
import { ascii, sentence } from "../shared/nmea.cases";

/** `mac: null` = a platform that cannot read its MAC. */
function platform(name: BoardName, preferences = new FakePreference(), mac: Uint8Array | null = Uint8Array.of(0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56)) {
  const board = new FakeBoard(12);
  const pmu = new FakeAxp192();
  const profile = BOARD_PROFILES[name];
  let clock = 1_000;
  let out = "";
  let reboots = 0;
  const power = new BoardPower(profile, { Digital: board.Digital, Analog: board.Analog, SMBus: pmu.SMBus, delay: board.delay });
  return {
    board,
    pmu,
    preferences,
    output: () => out,
    reboots: () => reboots,
    advance: (ms: number) => (clock += ms),
    platform: {
      profile,
      preferences,
      power,
      mac: () => mac ?? undefined,
      random32: () => 0x5eed5eed,
      now: () => clock,
      write: (s: string) => (out += s),
      reboot: () => reboots++,
    },
  };
}

function typeLine(app: ReturnType<typeof boot>, line: string): void {
  app.console.push(encodeUtf8(line + "\r"));
}

describe("boot", () => {
  test("T-Beam: node id from the MAC, rails up, defaults, greeting on the console", () => {
    const p = platform("tbeam");
    const app = boot(p.platform);
    expect(app.identity).toEqual({ id: 0xc4123456, source: "mac" });
    expect(app.warnings).toEqual([]);
    expect(p.pmu.registers[0x12] & 0x0c).toBe(0x0c);
    expect(p.output()).toMatch(/^System 5 on LILYGO T-Beam v1\.1\r\nnode c4123456 \(mac\)\r\npower: lora on/);
    expect(app.gps).toBeDefined();
  });

  test("settings survive a reboot (boot again on the same store)", () => {
    const prefs = new FakePreference();
    const first = boot(platform("heltec-v2", prefs).platform);
    typeLine(first, "set region US915");
    typeLine(first, "set preset SHORT_FAST");
    typeLine(first, "set node 0000beef");
    typeLine(first, "reboot");
    const second = boot(platform("heltec-v2", prefs).platform);
    expect(second.warnings).toEqual([]);
    expect(second.settings.current).toMatchObject({ region: "US915", preset: "SHORT_FAST" });
    expect(second.identity).toEqual({ id: 0xbeef, source: "set" });
  });

  test("a corrupted settings store boots with defaults and warnings on the console", () => {
    const prefs = new FakePreference();
    prefs.corrupt(SETTINGS_DOMAIN, "region", 868);
    prefs.corrupt(SETTINGS_DOMAIN, "preset", "TURBO!!");
    prefs.corrupt(SETTINGS_DOMAIN, "node", "zzzz");
    const p = platform("heltec-v3", prefs);
    const app = boot(p.platform);
    expect(app.settings.current).toMatchObject({ region: "EU868", preset: "LONG_FAST", nodeId: undefined });
    expect(app.warnings).toHaveLength(3);
    expect(p.output().match(/warning: /g)).toHaveLength(3);
    // Still a working node with its MAC id.
    expect(app.identity.source).toBe("mac");
  });

  test("an unreadable store and no MAC: defaults and a random id that is kept across boots", () => {
    const prefs = new FakePreference();
    const a = boot(platform("heltec-v3", prefs, null).platform);
    expect(a.identity).toEqual({ id: 0x5eed5eed, source: "random" });
    const b = boot({ ...platform("heltec-v3", prefs, null).platform, random32: () => 1 });
    expect(b.identity.id).toBe(0x5eed5eed);
    prefs.failWith = "nvs: bad page";
    const c = boot(platform("heltec-v3", prefs).platform);
    expect(c.settings.current.region).toBe("EU868");
    expect(c.warnings[0]).toMatch(/nvs: bad page/);
  });

  test("mesh commands before the mesh runs get a clear error; attaching it makes them work", () => {
    const p = platform("tbeam");
    const app = boot(p.platform);
    typeLine(app, "send 0a1b2c3d hi");
    expect(p.output()).toMatch(/error: send failed: the mesh is not running yet/);
    const sent: number[] = [];
    const mesh: MeshBinding = {
      chip: "sx1276",
      neighbours: () => [],
      routes: () => [],
      send: (dst) => (sent.push(dst), { ok: true, seq: 1 }),
      broadcast: () => ({ ok: true, seq: 2 }),
      status: () => ({ frequencyHz: 869_525_000, neighbours: 0 }),
    };
    app.attachMesh(mesh);
    typeLine(app, "send 0a1b2c3d hi");
    expect(sent).toEqual([0x0a1b2c3d]);
    typeLine(app, "status");
    expect(p.output()).toMatch(/radio\s+sx1276/);
    expect(p.output()).toMatch(/@ 869\.525 MHz/);
  });

  test("a T-Beam set to 22 dBm (possible on SX1262) runs at 20 dBm when the SX1276 answers", () => {
    const p = platform("tbeam");
    const first = boot(p.platform);
    typeLine(first, "set txpower 22");
    const app = boot(platform("tbeam", p.preferences).platform);
    expect(app.settings.current.txPowerDbm).toBe(22);
    const warnings = app.attachMesh({ chip: "sx1276", neighbours: () => [], routes: () => [], send: () => ({ ok: true, seq: 1 }), broadcast: () => ({ ok: true, seq: 1 }), status: () => ({}) });
    expect(app.settings.current.txPowerDbm).toBe(20);
    expect(warnings[0]).toMatch(/txpower 22 dBm is beyond this radio \(2\.\.20 dBm\); using 20 dBm/);
  });

  test("GPS sentences fed in show up in status; boards without GPS have no parser", () => {
    const p = platform("tbeam");
    const app = boot(p.platform);
    app.gps?.push(ascii(sentence("GNGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,")));
    typeLine(app, "status");
    expect(p.output()).toMatch(/gps\s+fix 47\.28523, 8\.56527, 8 satellites/);
    expect(boot(platform("heltec-v3").platform).gps).toBeUndefined();
  });

  test("battery: T-Beam from the AXP192, Heltec V2 from the ADC divider", () => {
    const t = platform("tbeam");
    const tbeam = boot(t.platform);
    t.pmu.setBatteryRaw(3627); // 3989.7 mV ≈ 80 %
    expect(tbeam.batteryLevel()).toBeCloseTo(0.8, 2);
    const h = platform("heltec-v2");
    h.board.analogReadings.set(37, [Math.round(((3630 / 3.2) * 4095) / 3300)]);
    const heltec = boot(h.platform);
    expect(heltec.batteryLevel()).toBeCloseTo(0.4, 1);
  });

  test("a PMU that is not an AXP192 (T-Beam v1.2) is reported, and the node still boots to a console", () => {
    const p = platform("tbeam");
    const app = boot({ ...p.platform, power: new BoardPower(p.platform.profile, { Digital: p.board.Digital, SMBus: new FakeAxp192(0x4a).SMBus, delay: p.board.delay }) });
    expect(app.faults).toEqual(["power-up failed: unexpected PMU: IC type 0x4a, an AXP192 reports 0x03"]);
    expect(p.output()).toMatch(/error: power-up failed: unexpected PMU.*the radio may be unpowered/);
    typeLine(app, "get region");
    expect(p.output()).toMatch(/region = EU868/);
  });

  test("uptime in status follows the injected clock", () => {
    const p = platform("heltec-v2");
    const app = boot(p.platform);
    p.advance(61_000);
    typeLine(app, "status");
    expect(p.output()).toMatch(/uptime\s+1 min 01 s/);
  });
});
