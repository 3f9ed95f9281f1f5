// The device's MQTT link (src/app/mqtt-device.ts) on fakes of the Moddable SDK modules it imports
// (mqtt, securesocket, sntp, time, timer, wifi), as the SDK documents them: what it hands the
// SDK's MQTT client for mqtts:// (SecureSocket, TLS 1.2, the mqttca certificate, never
// verify: false), the clock set by SNTP before a TLS attempt on a board that booted in 1970, and
// the reasons it reports when TLS cannot start or the handshake ends the connection.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { MqttLinkEvents, MqttLinkFactory, MqttLinkOptions } from "../../src/app/bridge-link";

/**
 * Imported by a computed name: the module references our ambient declarations of the SDK's
 * modules (src/app/moddable-mqtt.d.ts declares "mqtt"), which must not enter this Node program,
 * where "mqtt" is the npm package.
 */
const DEVICE_LINK = "../../src/app/mqtt-device";

/** Fake Timer: runs only when the test advances it. */
const timers = new Map<number, { at: number; fn: () => void }>();
let timerNow = 0;
let timerId = 0;
function advance(ms: number): void {
  const until = timerNow + ms;
  for (;;) {
    const next = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
    if (next === undefined) break;
    timers.delete(next[0]);
    timerNow = next[1].at;
    next[1].fn();
  }
  timerNow = until;
}

const clients: FakeClient[] = [];
class FakeClient {
  onReady?: () => void;
  onMessage?: (topic: string, body: ArrayBuffer) => void;
  onClose?: () => void;
  closed = false;
  constructor(readonly options: Record<string, unknown>) {
    if (throwOnConnect !== undefined) throw new Error(throwOnConnect);
    clients.push(this);
  }
  publish(): void {}
  subscribe(): void {}
  unsubscribe(): void {}
  close(): void {
    this.closed = true;
  }
}
let throwOnConnect: string | undefined;

class FakeSecureSocket {}

const sntps: FakeSntp[] = [];
class FakeSntp {
  static readonly time = 1;
  static readonly retry = 2;
  static readonly error = -1;
  closed = false;
  constructor(
    readonly options: { host: string },
    readonly callback: (message: number, value?: unknown) => unknown,
  ) {
    sntps.push(this);
  }
  close(): void {
    this.closed = true;
  }
}
const timeSet: number[] = [];

let wifiCallback: ((message: string) => void) | undefined;
class FakeWiFi {
  static mode = 0;
  static connect(): void {}
  constructor(_dict: unknown, callback: (message: string) => void) {
    wifiCallback = callback;
  }
  close(): void {}
}

vi.mock("mqtt", () => ({ default: FakeClient }));
vi.mock("securesocket", () => ({ default: FakeSecureSocket }));
vi.mock("sntp", () => ({ default: FakeSntp }));
vi.mock("time", () => ({
  default: {
    set: (seconds: number) => {
      timeSet.push(seconds);
      vi.setSystemTime(seconds * 1000);
    },
  },
}));
vi.mock("timer", () => ({
  default: {
    set: (fn: () => void, ms = 0) => {
      const id = ++timerId;
      timers.set(id, { at: timerNow + ms, fn });
      return id;
    },
    clear: (id: number) => timers.delete(id),
  },
}));
vi.mock("wifi", () => ({ default: FakeWiFi }));

const CA = new Uint8Array([0x30, 0x03, 1, 2, 3]);
const NOW_2026 = Date.UTC(2026, 5, 1);

function options(over: Partial<MqttLinkOptions> = {}): MqttLinkOptions {
  return {
    broker: { tls: true, host: "broker.example", port: 8883 },
    clientId: "s5-0a1b2c3d",
    keepaliveMs: 10_000,
    connectTimeoutMs: 10_000,
    will: { topic: "s5/x/will", payload: new Uint8Array([1]) },
    wifi: { ssid: "Harbour", password: "correct horse" },
    ...over,
  };
}

interface Recorder extends MqttLinkEvents {
  readonly log: string[];
}
function recorder(): Recorder {
  const log: string[] = [];
  return { log, onUp: () => log.push("up"), onDown: (r) => log.push(`down: ${r}`), onMessage: () => undefined };
}

/** A fresh module (its Wi-Fi station is module state) with the board on the network. */
async function link(o: MqttLinkOptions, events: MqttLinkEvents) {
  vi.resetModules();
  const { moddableMqttLink } = (await import(/* @vite-ignore */ DEVICE_LINK)) as { moddableMqttLink: () => MqttLinkFactory };
  const l = moddableMqttLink()(o, events);
  wifiCallback?.("gotIP");
  return l;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW_2026);
  timers.clear();
  clients.length = 0;
  sntps.length = 0;
  timeSet.length = 0;
  throwOnConnect = undefined;
  wifiCallback = undefined;
});
afterEach(() => {
  vi.useRealTimers();
});

describe("device link, mqtts://", () => {
  test("hands the SDK client SecureSocket, TLS 1.2 and the mqttca certificate; verification stays on", async () => {
    const ev = recorder();
    await link(options({ caCert: CA }), ev);
    expect(clients).toHaveLength(1);
    const o = clients[0].options;
    expect(o.host).toBe("broker.example");
    expect(o.port).toBe(8883);
    expect(o.Socket).toBe(FakeSecureSocket);
    const secure = o.secure as Record<string, unknown>;
    expect(secure.protocolVersion).toBe(0x303);
    expect([...new Uint8Array(secure.certificate as ArrayBuffer)]).toEqual([...CA]);
    expect("verify" in secure).toBe(false);
    clients[0].onReady?.();
    expect(ev.log).toEqual(["up"]);
  });

  test("without mqttca the bundled roots are used (no certificate given), still verified", async () => {
    await link(options(), recorder());
    const secure = clients[0].options.secure as Record<string, unknown>;
    expect(secure).toEqual({ protocolVersion: 0x303 });
  });

  test("plain mqtt:// gets the plain socket: no Socket, no secure", async () => {
    await link(options({ broker: { tls: false, host: "10.0.0.2", port: 1883 } }), recorder());
    expect("Socket" in clients[0].options).toBe(false);
    expect("secure" in clients[0].options).toBe(false);
  });

  test("a handshake that ends before CONNACK is reported as TLS, naming what verified it", async () => {
    const ev = recorder();
    await link(options(), ev);
    clients[0].onClose?.();
    expect(ev.log).toHaveLength(1);
    expect(ev.log[0]).toMatch(/^down: TLS to broker\.example:8883 failed or was closed: a refused certificate \(not signed by the bundled roots; set mqttca/);
    const ev2 = recorder();
    await link(options({ caCert: CA }), ev2);
    clients[1].onClose?.();
    expect(ev2.log[0]).toMatch(/not signed by the mqttca certificate nor the bundled root/);
  });

  test("a CA certificate SecureSocket refuses at construction is a clear error, not a throw", async () => {
    throwOnConnect = "date validation failed";
    const ev = recorder();
    await link(options({ caCert: CA }), ev);
    expect(ev.log).toEqual(["down: TLS could not start (date validation failed): check set mqttca"]);
  });
});

describe("device link, the clock before TLS", () => {
  test("a board in 1970 asks SNTP first, sets the clock, then connects", async () => {
    vi.setSystemTime(5_000);
    const ev = recorder();
    await link(options({ caCert: CA }), ev);
    expect(clients).toHaveLength(0);
    expect(sntps.map((s) => s.options.host)).toEqual(["pool.ntp.org"]);
    // The first server fails: the link names the next one (the SDK client retries with it).
    expect(sntps[0].callback(FakeSntp.error, "cannot resolve pool.ntp.org")).toBe("time.google.com");
    sntps[0].callback(FakeSntp.time, NOW_2026 / 1000);
    expect(timeSet).toEqual([NOW_2026 / 1000]);
    expect(clients).toHaveLength(1);
    expect(clients[0].options.Socket).toBe(FakeSecureSocket);
  });

  test("no SNTP server answers: down with the reason, no connection without a date", async () => {
    vi.setSystemTime(5_000);
    const ev = recorder();
    await link(options(), ev);
    sntps[0].callback(FakeSntp.error, "x");
    expect(sntps[0].callback(FakeSntp.error, "no response from SNTP server")).toBeUndefined();
    expect(clients).toHaveLength(0);
    expect(ev.log).toEqual(["down: no time from SNTP (pool.ntp.org, time.google.com: no response from SNTP server): TLS needs the date to check the broker's certificate"]);
  });

  test("SNTP silent until the connect timeout: the timeout says it waited for the time, and the query is closed", async () => {
    vi.setSystemTime(5_000);
    const ev = recorder();
    await link(options(), ev);
    advance(10_000);
    expect(ev.log).toEqual(["down: no time from SNTP (pool.ntp.org, time.google.com) within 10 s: TLS needs the date to check the broker's certificate"]);
    expect(sntps[0].closed).toBe(true);
    expect(clients).toHaveLength(0);
  });

  test("an SNTP answer before 2025 is refused (no certificate check against a wrong date)", async () => {
    vi.setSystemTime(5_000);
    const ev = recorder();
    await link(options(), ev);
    sntps[0].callback(FakeSntp.time, 86_400);
    expect(clients).toHaveLength(0);
    expect(ev.log[0]).toMatch(/gave a date before 2025/);
  });

  test("plain mqtt:// needs no clock", async () => {
    vi.setSystemTime(5_000);
    await link(options({ broker: { tls: false, host: "10.0.0.2", port: 1883 } }), recorder());
    expect(sntps).toHaveLength(0);
    expect(clients).toHaveLength(1);
  });
});
