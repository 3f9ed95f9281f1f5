// Settings: schema, validation, persistence and fall-back on a store that enforces the device's
// Preference limits. Runs on Node and on XS.
import { DEFAULT_SETTINGS, resolveNodeId, SETTINGS_DOMAIN, SettingsStore, validateSettings, type PowerRange } from "../../src/app/settings";
import { FakePreference } from "../fakes/preference";
import { TEST_CA_PEM, TEST_CA_SHA256, TEST_LEAF_PEM } from "./test-ca";
import { suite } from "./harness";

const SX1276: PowerRange = { minDbm: 2, maxDbm: 20 };
const ANY_CHIP: PowerRange = { minDbm: -9, maxDbm: 22 };

function fresh(power: PowerRange = SX1276) {
  const store = new FakePreference();
  const settings = new SettingsStore(store, power);
  return { store, settings, loaded: settings.load() };
}

export default suite("app: settings", {
  "an empty store loads the defaults without warnings"(t) {
    const { loaded } = fresh();
    t.deepEqual(loaded.settings, DEFAULT_SETTINGS);
    t.deepEqual(loaded.warnings, []);
  },
  "the defaults are valid in every region for every chip"(t) {
    for (const region of ["EU868", "US915"] as const) {
      for (const power of [SX1276, { minDbm: -9, maxDbm: 22 }]) {
        t.deepEqual(validateSettings({ ...DEFAULT_SETTINGS, region }, power), [], region);
      }
    }
  },
  "every setting survives a reload (a reboot) from the store"(t) {
    const { store, settings } = fresh();
    for (const [k, v] of [["region", "us915"], ["preset", "medium_fast"], ["txpower", "20"], ["precision", "6"], ["name", "Harbour Net"], ["role", "ROUTER"], ["node", "0a1b2c3d"], ["broker", "MQTT://Broker.example:1884/"], ["mqttuser", "gw-a"], ["mqttpass", "s3cret-pw"], ["wifi", "Harbour Wi-Fi"], ["wifipass", "correct horse"], ["mqttca", TEST_CA_PEM], ["bridgecost", "512"]]) {
      const r = settings.set(k, v);
      t.ok(r.ok, `set ${k}: ${r.ok ? "" : r.error}`);
    }
    const again = new SettingsStore(store, SX1276).load();
    t.deepEqual(again.warnings, []);
    t.deepEqual(again.settings, {
      nodeId: 0x0a1b2c3d, region: "US915", preset: "MEDIUM_FAST", txPowerDbm: 20, clusterPrecision: 6, networkName: "Harbour Net", role: "router",
      broker: "mqtt://Broker.example:1884", mqttUser: "gw-a", mqttPassword: "s3cret-pw", wifiSsid: "Harbour Wi-Fi", wifiPassword: "correct horse", bridgeCost: 512,
      mqttCa: TEST_CA_PEM.split("\n").slice(1, -1).join(""),
    });
    // Secrets are never shown, not by get nor in the list.
    const reloaded = new SettingsStore(store, SX1276);
    reloaded.load();
    for (const [k, v] of reloaded.list()) t.ok(!v.includes("s3cret") && !v.includes("horse"), `${k} shows a secret`);
  },
  "gateway settings: bad values say what to type and never repeat a password"(t) {
    const { settings } = fresh();
    const cases: Array<[string, string, RegExp]> = [
      ["broker", "http://x", /mqtt:\/\/ \(plain\) or mqtts:\/\/ \(TLS\)/],
      ["broker", "mqtt://user:pw@host", /no user name or password in the URL/],
      ["broker", "mqtt://host:70000", /outside 1\.\.65535/],
      ["broker", "mqtt://host/path", /no path/],
      ["wifipass", "short7!", /8\.\.63 printable ASCII/],
      ["mqttpass", "has space", /without spaces/],
      ["wifi", "x".repeat(33), /1\.\.32 bytes/],
      ["bridgecost", "-1", /0\.\.16384/],
    ];
    for (const [k, v, re] of cases) {
      const r = settings.set(k, v);
      t.ok(!r.ok && re.test(r.error), `${k} ${v}: ${r.ok ? "accepted" : r.error}`);
      if (!r.ok && (k === "wifipass" || k === "mqttpass")) t.ok(!r.error.includes(v), `${k}: the error repeats the password`);
    }
    t.ok(settings.set("broker", "mqtts://[::1]").ok);
    t.equal(settings.get("broker").ok ? (settings.get("broker") as { value: string }).value : "", "mqtts://[::1]:8883");
    t.ok(settings.set("broker", "none").ok);
    t.equal(settings.current.broker, undefined);
    // A scheme-less value with credentials is refused without repeating them.
    const creds = settings.set("broker", "gw-a:s3cret-pw@broker.example");
    t.ok(!creds.ok && !creds.error.includes("s3cret") && !creds.error.includes("gw-a"), creds.ok ? "accepted" : creds.error);
    // mqttca: one certificate of bounded size in PEM or base64; shown by size and fingerprint.
    const body = TEST_CA_PEM.split("\n").slice(1, -1).join("");
    const caCases: Array<[string, RegExp]> = [
      ["-----BEGIN CERTIFICATE-----\nMIIB", /no -----END CERTIFICATE----- line/],
      [`${TEST_CA_PEM}\n${TEST_CA_PEM}`, /one certificate/],
      ["-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----", /a key or other PEM block is not a CA certificate/],
      ["not*base64!", /not valid base64/],
      ["MIIB", /is 3 bytes; a CA certificate is 128\.\.2048 bytes/],
      [`N${body.slice(1)}`, /not one DER certificate/],
      [body.slice(0, -8), /not one DER certificate/],
      ["A".repeat(4000), /over 2048 bytes/],
      [TEST_LEAF_PEM, /a server \(leaf\) certificate, not a CA \(its basicConstraints does not say cA\)/],
    ];
    for (const [v, re] of caCases) {
      const r = settings.set("mqttca", v);
      t.ok(!r.ok && re.test(r.error), `mqttca ${v.slice(0, 30)}: ${r.ok ? "accepted" : r.error}`);
    }
    t.equal(settings.current.mqttCa, undefined);
    t.ok(settings.set("mqttca", body).ok, "a bare base64 body is accepted");
    t.equal(settings.current.mqttCa, body);
    t.equal((settings.get("mqttca") as { value: string }).value, `set (399 bytes, SHA-256 ${TEST_CA_SHA256})`);
    t.ok(settings.set("mqttca", "none").ok);
    t.equal((settings.get("mqttca") as { value: string }).value, "none (bundled roots)");
    // `none` clears the Wi-Fi network, as the docs say it is the default.
    t.ok(settings.set("wifi", "Harbour Wi-Fi").ok);
    t.equal(settings.current.wifiSsid, "Harbour Wi-Fi");
    t.ok(settings.set("wifi", "none").ok);
    t.equal(settings.current.wifiSsid, undefined);
  },
  "integers are stored as integers and keys fit the 15-character limit (the fake enforces both)"(t) {
    const { store, settings } = fresh();
    t.ok(settings.set("txpower", "14").ok);
    t.ok(settings.set("precision", "5").ok);
    const domain = store.domains.get(SETTINGS_DOMAIN);
    t.equal(domain?.get("txpower"), 14);
    t.equal(domain?.get("precision"), 5);
    for (const key of domain?.keys() ?? []) t.atMost(key.length, 15, key);
  },
  "bad console values get clear errors and change nothing"(t) {
    const { store, settings } = fresh();
    const cases: Array<[string, string, RegExp]> = [
      ["region", "EU433", /unknown region "EU433"; known: EU868, US915/],
      ["preset", "FAST", /unknown modem preset "FAST"; known: SHORT_TURBO/],
      ["txpower", "12.5", /whole number of dBm/],
      ["txpower", "21", /outside 2\.\.20 dBm \(the radio does 2\.\.20 dBm\)/],
      ["precision", "7", /1\.\.6/],
      ["precision", "four", /1\.\.6/],
      ["name", "", /1\.\.24 printable ASCII/],
      ["name", "x".repeat(25), /1\.\.24/],
      ["role", "gateway", /unknown role "gateway"; known: client, router, mute/],
      ["node", "ffffffff", /reserved/],
      ["node", "12345g78", /bad node id/],
      ["colour", "blue", /unknown setting "colour"; known: node, region/],
    ];
    for (const [k, v, re] of cases) {
      const r = settings.set(k, v);
      t.ok(!r.ok, `${k} ${v} refused`);
      if (!r.ok) t.ok(re.test(r.error), `${k} ${v}: "${r.error}" should match ${re}`);
    }
    t.equal(store.writes, 0);
    t.deepEqual(settings.current, DEFAULT_SETTINGS);
  },
  "a preset too wide for the region's channel is refused (EU868 P band, 500 kHz)"(t) {
    const { settings } = fresh();
    const r = settings.set("preset", "LONG_TURBO");
    t.ok(!r.ok);
    if (!r.ok) t.ok(/LONG_TURBO \(500 kHz\) does not fit the EU868 channel at 869\.525 MHz/.test(r.error), r.error);
    t.ok(settings.set("region", "US915").ok);
    t.ok(settings.set("preset", "LONG_TURBO").ok, "fits in US915");
  },
  "txpower is capped by the region's sub-band as well as the chip"(t) {
    const { settings } = fresh(ANY_CHIP);
    t.ok(settings.set("txpower", "22").ok, "SX1262 may do 22 dBm in EU868 P (27 dBm)");
    t.ok(settings.set("txpower", "-9").ok);
    const r = settings.set("txpower", "23");
    t.ok(!r.ok);
  },
  "\"default\" restores a setting and removes it from the store"(t) {
    const { store, settings } = fresh();
    t.ok(settings.set("precision", "2").ok);
    t.ok(settings.set("precision", "default").ok);
    t.equal(settings.current.clusterPrecision, 4);
    t.equal(store.domains.get(SETTINGS_DOMAIN)?.has("precision"), false);
  },
  "node auto forgets a set id"(t) {
    const { store, settings } = fresh();
    t.ok(settings.set("node", "!a1b2").ok);
    t.equal(settings.current.nodeId, 0xa1b2);
    t.ok(settings.set("node", "auto").ok);
    t.equal(settings.current.nodeId, undefined);
    t.equal(store.domains.get(SETTINGS_DOMAIN)?.has("node"), false);
  },
  "corrupted values fall back to defaults with one warning each, and are removed"(t) {
    const store = new FakePreference();
    store.corrupt(SETTINGS_DOMAIN, "region", "MARS");
    store.corrupt(SETTINGS_DOMAIN, "txpower", "17");
    store.corrupt(SETTINGS_DOMAIN, "precision", 99);
    store.corrupt(SETTINGS_DOMAIN, "name", new ArrayBuffer(3));
    store.corrupt(SETTINGS_DOMAIN, "role", "router");
    const loaded = new SettingsStore(store, SX1276).load();
    t.deepEqual(loaded.settings, { ...DEFAULT_SETTINGS, role: "router" });
    t.equal(loaded.warnings.length, 4);
    t.ok(loaded.warnings.some((w) => /unknown region "MARS"/.test(w)));
    t.ok(loaded.warnings.some((w) => /stored txpower has the wrong type \(string\)/.test(w)));
    t.ok(loaded.warnings.some((w) => /stored name has the wrong type \(binary\)/.test(w)));
    const next = new SettingsStore(store, SX1276).load();
    t.deepEqual(next.warnings, [], "the next boot is clean");
    t.equal(next.settings.role, "router");
  },
  "a stored combination that does not fit falls back field by field"(t) {
    const store = new FakePreference();
    store.corrupt(SETTINGS_DOMAIN, "preset", "LONG_TURBO");
    store.corrupt(SETTINGS_DOMAIN, "txpower", 22);
    const loaded = new SettingsStore(store, SX1276).load();
    t.equal(loaded.settings.region, "EU868");
    t.equal(loaded.settings.preset, "LONG_FAST");
    t.equal(loaded.settings.txPowerDbm, 17);
    t.equal(loaded.warnings.length, 2);
  },
  "an unreadable store boots with defaults and a warning"(t) {
    const store = new FakePreference();
    store.corrupt(SETTINGS_DOMAIN, "precision", 2);
    store.failWith = "nvs: partition corrupted";
    const loaded = new SettingsStore(store, SX1276).load();
    t.deepEqual(loaded.settings, DEFAULT_SETTINGS);
    t.equal(loaded.warnings.length, 1);
    t.ok(/nvs: partition corrupted/.test(loaded.warnings[0]));
  },
  "a failing write is an error, not a changed setting"(t) {
    const { store, settings } = fresh();
    store.failWith = "nvs full";
    const r = settings.set("precision", "3");
    t.ok(!r.ok);
    if (!r.ok) t.ok(/could not save precision: nvs full/.test(r.error));
    t.equal(settings.current.clusterPrecision, 4);
  },
  "unknown keys and a newer schema are reported, the rest is read"(t) {
    const store = new FakePreference();
    store.corrupt(SETTINGS_DOMAIN, "schema", 9);
    store.corrupt(SETTINGS_DOMAIN, "beacon", 1);
    store.corrupt(SETTINGS_DOMAIN, "precision", 3);
    const loaded = new SettingsStore(store, SX1276).load();
    t.equal(loaded.settings.clusterPrecision, 3);
    t.equal(loaded.warnings.length, 2);
  },
  "narrowing to the detected chip clamps an out-of-range txpower in memory only"(t) {
    const { store, settings } = fresh(ANY_CHIP);
    t.ok(settings.set("txpower", "22").ok);
    const warnings = settings.setPowerRange(SX1276);
    t.equal(settings.current.txPowerDbm, 20);
    t.equal(warnings.length, 1);
    t.equal(store.domains.get(SETTINGS_DOMAIN)?.get("txpower"), 22, "stored value kept for an SX1262 swap");
    t.deepEqual(settings.setPowerRange(SX1276), []);
  },
  "node id: set > MAC > stored random; the random id is drawn once"(t) {
    const store = new FakePreference();
    let draws = 0;
    const random = () => (++draws, 0x12345678);
    t.deepEqual(resolveNodeId({ ...DEFAULT_SETTINGS, nodeId: 7 }, 0xabcdef01, store, random), { id: 7, source: "set" });
    t.deepEqual(resolveNodeId(DEFAULT_SETTINGS, 0xabcdef01, store, random), { id: 0xabcdef01, source: "mac" });
    t.deepEqual(resolveNodeId(DEFAULT_SETTINGS, undefined, store, random), { id: 0x12345678, source: "random" });
    t.deepEqual(resolveNodeId(DEFAULT_SETTINGS, undefined, store, () => 99), { id: 0x12345678, source: "random" });
    t.equal(draws, 1);
  },
  "a random draw of a reserved id is redrawn"(t) {
    const seq = [0, 0xffffffff, 42];
    const r = resolveNodeId(DEFAULT_SETTINGS, undefined, new FakePreference(), () => seq.shift() as number);
    t.equal(r.id, 42);
  },
  "the random id stored by one boot is not reported as an unknown setting by the next"(t) {
    const store = new FakePreference();
    resolveNodeId(DEFAULT_SETTINGS, undefined, store, () => 5);
    t.deepEqual(new SettingsStore(store, SX1276).load().warnings, []);
  },
});
