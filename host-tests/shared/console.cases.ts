// Serial console against a fake host: commands, line editing, errors. Runs on Node and on XS.
import { Console, type ConsoleHost, type ConsoleStatus, type NeighbourRow, type RouteRow } from "../../src/app/console";
import { SettingsStore } from "../../src/app/settings";
import { decodeUtf8, encodeUtf8 } from "../../src/app/utf8";
import type { SendResult } from "../../src/core/station";
import { FakePreference } from "../fakes/preference";
import { TEST_CA_PEM, TEST_CA_SHA256, TEST_LEAF_PEM } from "./test-ca";
import { suite, type Assert } from "./harness";

export interface FakeHostLog {
  sent: Array<{ dst: number; text: string }>;
  broadcasts: string[];
  reboots: number;
}

export function fakeHost(overrides: Partial<ConsoleHost> = {}, status: Partial<ConsoleStatus> = {}) {
  const log: FakeHostLog = { sent: [], broadcasts: [], reboots: 0 };
  let seq = 0;
  const settings = new SettingsStore(new FakePreference(), { minDbm: 2, maxDbm: 20 });
  settings.load();
  const neighbours: NeighbourRow[] = [
    { id: 0x0a1b2c3d, rssi: -87.4, snr: 6.25, quality: 0.875, ageMs: 12_000, cluster: "u281" },
    { id: 0x00000005, snr: -12.5 },
  ];
  const routes: RouteRow[] = [
    { destination: 0xdeadbeef, nextHop: 0x0a1b2c3d, hops: 3, metric: 0.42, health: 1, ageMs: 3_723_000 },
    { destination: "u282", nextHop: 5, metric: 1.5 },
  ];
  const host: ConsoleHost = {
    status: () => ({ nodeId: 0x00c0ffee, nodeIdSource: "mac", uptimeMs: 125_000, ...status }),
    neighbours: () => neighbours,
    routes: () => routes,
    send: (dst, payload): SendResult => {
      log.sent.push({ dst, text: decodeUtf8(payload) });
      return { ok: true, seq: ++seq };
    },
    broadcast: (payload): SendResult => {
      log.broadcasts.push(decodeUtf8(payload));
      return { ok: true, seq: ++seq };
    },
    settings,
    reboot: () => {
      log.reboots++;
    },
    ...overrides,
  };
  return { host, log, settings };
}

export function terminal(host: ConsoleHost, echo = true) {
  let out = "";
  const con = new Console({ host, write: (s) => (out += s), echo });
  return {
    con,
    /** Types text (UTF-8) and returns what the console printed for it. */
    type(text: string): string {
      out = "";
      con.push(encodeUtf8(text));
      return out;
    },
  };
}

/** The error lines of a console's output (what it says, not the echo of what was typed). */
function errors(out: string): string[] {
  return out.split(/\r?\n/).filter((l) => l.startsWith("error:"));
}

function has(t: Assert, text: string, re: RegExp): void {
  t.ok(re.test(text), `${JSON.stringify(text)} should match ${re}`);
}

export default suite("app: console", {
  "send with an 8-hex-digit node id queues the text with its spaces"(t) {
    const { host, log } = fakeHost();
    const out = terminal(host).type("send 0a1b2c3d hello  mesh world\r");
    t.deepEqual(log.sent, [{ dst: 0x0a1b2c3d, text: "hello  mesh world" }]);
    has(t, out, /queued #1 to 0a1b2c3d\r\n> $/);
  },
  "node ids: decimal, !hex and 0x hex name the same node"(t) {
    const { host, log } = fakeHost();
    const term = terminal(host);
    term.type("send 169552957 a\r");
    term.type("send !a1b2c3d b\r");
    term.type("send 0xA1B2C3D c\r");
    t.deepEqual(
      log.sent.map((s) => s.dst),
      [169552957, 0x0a1b2c3d, 0x0a1b2c3d],
    );
    t.equal(169552957, 0x0a1b2c3d);
  },
  "bad node ids and missing text get errors and send nothing"(t) {
    const { host, log } = fakeHost();
    const term = terminal(host);
    has(t, term.type("send 0a1b2c3g hi\r"), /error: bad node id "0a1b2c3g": use 8 hex digits/);
    has(t, term.type("send ffffffff hi\r"), /error: "ffffffff" is not a node id/);
    has(t, term.type("send 00000000 hi\r"), /is not a node id/);
    has(t, term.type("send 0a1b2c3d\r"), /error: send needs a node and a message: send <node> <text>/);
    has(t, term.type("send\r"), /error: send needs a node/);
    has(t, term.type("broadcast\r"), /error: broadcast needs a message/);
    t.equal(log.sent.length + log.broadcasts.length, 0);
    t.equal(term.con.counters.errors, 6);
  },
  "broadcast sends the rest of the line, UTF-8 intact"(t) {
    const { host, log } = fakeHost();
    terminal(host).type("broadcast Grüße aus München 👋\n");
    t.deepEqual(log.broadcasts, ["Grüße aus München 👋"]);
  },
  "a refused send shows the core's reason and code"(t) {
    const { host } = fakeHost({ send: () => ({ ok: false, code: "duty-cycle", reason: "EU868 P band: 10 % duty cycle used up" }) });
    has(t, terminal(host).type("send 5 hi\r"), /error: not sent \(duty-cycle\): EU868 P band: 10 % duty cycle used up/);
  },
  "unknown command: error that says how to get help; case-insensitive commands"(t) {
    const { host } = fakeHost();
    const term = terminal(host);
    has(t, term.type("fly\r"), /error: unknown command "fly"; type help/);
    has(t, term.type("STATUS\r"), /node\s+00c0ffee \(mac\)/);
  },
  "help lists every command; help set lists the keys"(t) {
    const { host } = fakeHost();
    const term = terminal(host);
    const out = term.type("help\r");
    for (const c of ["help", "status", "neighbors", "routes", "send <node> <text>", "broadcast <text>", "get [key]", "set <key> <value>", "reboot"]) {
      t.ok(out.includes(c), `help mentions ${c}`);
    }
    const keys = term.type("help set\r");
    for (const k of ["node", "region", "preset", "txpower", "precision", "name", "role"]) t.ok(keys.includes(`  ${k}`), k);
    has(t, term.type("help fly\r"), /error: no command "fly"/);
  },
  "status shows what the host reports, including battery and GPS"(t) {
    const { host } = fakeHost({}, {
      board: "LILYGO T-Beam v1.1",
      radio: "sx1262",
      region: "EU868",
      preset: "LONG_FAST",
      frequencyHz: 869_525_000,
      batteryLevel: 0.734,
      batteryMillivolts: 3912,
      gps: { hasFix: true, latitude: 48.1173, longitude: 11.516667, satellites: 8 },
      neighbours: 2,
    });
    const out = terminal(host).type("status\r");
    has(t, out, /uptime\s+2 min 05 s/);
    has(t, out, /channel\s+EU868 LONG_FAST @ 869\.525 MHz/);
    has(t, out, /battery\s+73 % \(3\.91 V\)/);
    has(t, out, /gps\s+fix 48\.11730, 11\.51667, 8 satellites/);
    has(t, out, /neighbors\s+2/);
  },
  "status without battery or fix says so"(t) {
    const { host } = fakeHost({}, { gps: { hasFix: false, satellites: 2 } });
    const out = terminal(host).type("status\r");
    has(t, out, /battery\s+none/);
    has(t, out, /gps\s+no fix, 2 satellites/);
  },
  "neighbors and routes tables"(t) {
    const { host } = fakeHost();
    const term = terminal(host);
    const n = term.type("neighbours\r");
    has(t, n, /0a1b2c3d\s+-87 dBm\s+6\.3 dB\s+0\.88\s+12 s ago\s+u281/);
    has(t, n, /00000005\s+-\s+-12\.5 dB\s+-\s+-\s+-/);
    const r = term.type("routes\r");
    has(t, r, /deadbeef\s+0a1b2c3d\s+3\s+0\.42\s+1\.00\s+1 h 02 min/);
    has(t, r, /u282\s+00000005\s+-\s+1\.50\s+-\s+-/);
    const empty = terminal(fakeHost({ neighbours: () => [], routes: () => [] }).host);
    has(t, empty.type("neighbors\r"), /no neighbors heard yet/);
    has(t, empty.type("routes\r"), /no routes yet/);
  },
  "get and set go through the settings store"(t) {
    const { host, settings } = fakeHost();
    const term = terminal(host);
    has(t, term.type("set precision 5\r"), /precision = 5 \(saved; takes effect after reboot\)/);
    t.equal(settings.current.clusterPrecision, 5);
    has(t, term.type("get precision\r"), /precision = 5/);
    has(t, term.type("get\r"), /region\s+EU868[\s\S]*name\s+system5/);
    has(t, term.type("set precision 9\r"), /error: precision must be a whole number 1\.\.6, got "9"/);
    has(t, term.type("set precision\r"), /error: set needs a key and a value/);
    has(t, term.type("get colour\r"), /error: unknown setting "colour"/);
    has(t, term.type("set name  Harbour  Net \r"), /name = Harbour  Net/);
  },
  "set mqttca takes a pasted PEM certificate line by line; anything else ends the paste unchanged"(t) {
    const { host, settings } = fakeHost();
    const term = terminal(host);
    has(t, term.type("set mqttca\r"), /paste the broker's CA certificate \(PEM/);
    const lines = TEST_CA_PEM.split("\n");
    for (const line of lines.slice(0, -1)) t.ok(!/saved|error/.test(term.type(`${line}\r`)), `no answer before the END line (${line.slice(0, 12)})`);
    const saved = term.type(`${lines[lines.length - 1]}\r`);
    t.ok(saved.includes(`mqttca = set (399 bytes, SHA-256 ${TEST_CA_SHA256}) (saved; takes effect after reboot)`), saved);
    t.equal(settings.current.mqttCa, lines.slice(1, -1).join(""));
    // A command typed in the middle of a paste cancels it and is not run; the setting is kept.
    term.type("set mqttca\r");
    term.type(`${lines[0]}\r`);
    has(t, term.type("get mqttca\r"), /error: mqttca: "get mqttca" is not a line of a PEM certificate; paste cancelled \(unchanged\)/);
    // A word that happens to be base64 ends the body (a short line is its last); what follows must be the END line.
    term.type("set mqttca\r");
    t.equal(term.type("status\r"), "status\r\n> ");
    has(t, term.type("help\r"), /error: mqttca: "help" is not a line of a PEM certificate; paste cancelled/);
    has(t, term.type("get mqttca\r"), /mqttca = set \(399 bytes/);
    term.type("set mqttca\r");
    has(t, term.type("cancel\r"), /cancelled; mqttca unchanged/);
    // An endless paste is cut off at its bound.
    term.type("set mqttca\r");
    let last = "";
    for (let i = 0; i < 60 && !/error/.test(last); i++) last = term.type(`${"A".repeat(64)}\r`);
    has(t, last, /error: mqttca: the paste is over \d+ characters/);
    has(t, term.type("set mqttca none\r"), /mqttca = none \(bundled roots\)/);
    has(t, term.type("help set\r"), /mqttca/);
  },
  "set mqttca refuses a pasted bundle whole: nothing saved, nothing run, no base64 echoed"(t) {
    const { host, settings } = fakeHost();
    const term = terminal(host);
    const paste = (text: string): string => text.split("\n").map((l) => term.type(`${l}\r`)).join("");
    // fullchain.pem: the server's certificate, then its CA's.
    term.type("set mqttca\r");
    let out = paste(`${TEST_LEAF_PEM}\n${TEST_CA_PEM}`);
    has(t, out, /error: mqttca: this is a server \(leaf\) certificate, not a CA/);
    has(t, out, /error: mqttca: a bundle: paste only the CA certificate .*nothing saved, mqttca unchanged/);
    t.equal(out.match(/error:/g)?.length, 2, out);
    t.ok(!/unknown command|saved;/.test(out), out);
    t.ok(!errors(out).some((e) => /[A-Za-z0-9+/]{20}/.test(e)), "no body line in an error");
    t.equal(settings.current.mqttCa, undefined);
    has(t, term.type("get mqttca\r"), /mqttca = none/);
    // Two CA certificates: the first is saved at its END line, and put back when the second begins.
    term.type("set mqttca\r");
    out = paste(`${TEST_CA_PEM}\n${TEST_CA_PEM}`);
    has(t, out, /error: mqttca: a bundle: paste only the CA certificate/);
    t.equal(settings.current.mqttCa, undefined);
    // The previous certificate is kept when a bundle is refused.
    term.type("set mqttca\r");
    paste(TEST_CA_PEM);
    const kept = settings.current.mqttCa;
    t.ok(kept !== undefined);
    term.type("set mqttca\r");
    paste(`${TEST_CA_PEM}\n${TEST_LEAF_PEM}`);
    t.equal(settings.current.mqttCa, kept);
    // After the paste, the next command runs as usual.
    has(t, term.type("get mqttca\r"), /mqttca = set \(399 bytes/);
  },
  "set mqttca swallows a pasted private key and never echoes base64 in an error"(t) {
    const { host, settings } = fakeHost();
    const term = terminal(host);
    const body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECR";
    term.type("set mqttca\r");
    let out = term.type("-----BEGIN PRIVATE KEY-----\r") + term.type(`${body}\r`) + term.type("ETSECRETSECRET==\r") + term.type("-----END PRIVATE KEY-----\r");
    has(t, out, /error: mqttca: "BEGIN PRIVATE KEY" is not a CA certificate; paste cancelled \(unchanged\)/);
    t.ok(!errors(out).some((e) => /SECRET/i.test(e)) && errors(out).length === 1, out);
    t.equal(settings.current.mqttCa, undefined);
    // Outside a paste, a base64 line is an unknown command whose text is not shown.
    out = term.type(`${body}\r`);
    has(t, out, /error: unknown command \(64 characters of base64-like text, not shown\)/);
    t.ok(!errors(out).some((e) => /SECRET/i.test(e)), out);
    has(t, term.type("colour\r"), /error: unknown command "colour"/);
  },
  "a settings store that throws while a certificate is pasted does not take the console down"(t) {
    const { host, settings } = fakeHost();
    const failing = {
      get: (k: string) => settings.get(k),
      list: () => settings.list(),
      set: (): never => {
        throw new Error("flash write failed");
      },
    };
    const term = terminal({ ...host, settings: failing });
    term.type("set mqttca\r");
    const out = TEST_CA_PEM.split("\n").map((l) => term.type(`${l}\r`)).join("");
    has(t, out, /error: .*failed: flash write failed/);
    has(t, term.type("help\r"), /status/);
  },
  "help says a board trusts its bundled root even with mqttca set, a host mqttca only"(t) {
    const term = terminal(fakeHost().host);
    has(t, term.type("help bridge\r"), /on a board mqttca adds to the bundled root and does not replace it/);
    has(t, term.type("help set\r"), /a board trusts ISRG Root X1 even with mqttca set, a host trusts mqttca only/);
  },
  "reboot calls the host after saying so"(t) {
    const { host, log } = fakeHost();
    has(t, terminal(host).type("reboot\r"), /rebooting…/);
    t.equal(log.reboots, 1);
  },
  "CR LF is one line end, LF alone and CR alone also end a line"(t) {
    const { host, log } = fakeHost();
    const term = terminal(host);
    term.type("broadcast a\r\nbroadcast b\nbroadcast c\r");
    term.type("\nbroadcast d\r");
    t.deepEqual(log.broadcasts, ["a", "b", "c", "d"]);
    t.equal(term.con.counters.errors, 0);
  },
  "empty lines just give a new prompt"(t) {
    const { host } = fakeHost();
    t.equal(terminal(host).type("\r\n   \r\n"), "\r\n>    \r\n> ");
  },
  "backspace and DEL erase characters, a whole UTF-8 character at a time"(t) {
    const { host, log } = fakeHost();
    const term = terminal(host);
    const echo = term.type("broadcast caf\u00e9\x7f\x7fe!\x08\r");
    t.deepEqual(log.broadcasts, ["cae"]);
    t.ok(echo.includes("\b \b"), "erase is echoed");
    term.type("\x08\x08\x08broadcast x\r");
    t.deepEqual(log.broadcasts, ["cae", "x"], "backspace on an empty line does nothing");
  },
  "arrow keys (ANSI escape sequences) are swallowed"(t) {
    const { host, log } = fakeHost();
    terminal(host).type("broad\x1b[Dcast \x1b[A\x1bOPhi\r");
    t.deepEqual(log.broadcasts, ["hi"]);
  },
  "Ctrl-C drops the line being typed"(t) {
    const { host, log } = fakeHost();
    const out = terminal(host).type("broadcast oops\x03broadcast ok\r");
    t.deepEqual(log.broadcasts, ["ok"]);
    t.ok(out.includes("^C\r\n> "));
  },
  "an overlong line is dropped with an error; the next line works"(t) {
    const { host, log } = fakeHost();
    let out = "";
    const con = new Console({ host, write: (s) => (out += s), maxLine: 32 });
    con.push(encodeUtf8("broadcast " + "x".repeat(100) + "\r"));
    t.ok(out.includes("error: line too long (over 32 bytes); ignored"), out);
    con.push(encodeUtf8("broadcast fine\r"));
    t.deepEqual(log.broadcasts, ["fine"]);
    t.equal(con.counters.overlong, 1);
  },
  "typed input is echoed; with echo off nothing but results is printed"(t) {
    const { host } = fakeHost();
    t.ok(terminal(host).type("get role\r").startsWith("get role\r\n"));
    t.equal(terminal(host, false).type("get role\r"), "role = client\r\n> ");
  },
  "byte-at-a-time input behaves exactly like one chunk, echo included"(t) {
    const text = encodeUtf8("send 0a1b2c3d h\u00e9llo\x7fo\r\nbroadcast x\r\n");
    const a = fakeHost();
    const b = fakeHost();
    let outA = "";
    let outB = "";
    new Console({ host: a.host, write: (s) => (outA += s) }).push(text);
    const con = new Console({ host: b.host, write: (s) => (outB += s) });
    for (const byte of text) con.push(Uint8Array.of(byte));
    t.deepEqual(a.log.sent, [{ dst: 0x0a1b2c3d, text: "h\u00e9llo" }]);
    t.deepEqual(b.log.sent, a.log.sent);
    t.deepEqual(b.log.broadcasts, ["x"]);
    t.equal(outB, outA);
  },
  "incoming messages are printed above the line being typed, control characters made visible"(t) {
    const { host } = fakeHost();
    let out = "";
    const con = new Console({ host, write: (s) => (out += s) });
    con.push(encodeUtf8("broad"));
    out = "";
    con.message({ source: 0x0a1b2c3d, destination: 0xffffffff, payload: encodeUtf8("hi\x1b[2Jthere"), hops: 3 });
    t.equal(out, "\r\n[msg] 0a1b2c3d → all (3 hops): hi\\x1b[2Jthere\r\n> broad");
    out = "";
    con.message({ source: 5, destination: 0x00c0ffee, payload: Uint8Array.of(0x68, 0xff, 0x69), hops: 1 });
    t.equal(out, "\r\n[msg] 00000005 → 00c0ffee (1 hop): h\ufffdi\r\n> broad");
  },
  "a host that throws gives an error line, not a dead console"(t) {
    const { host } = fakeHost({
      routes: () => {
        throw new Error("table locked");
      },
    });
    const term = terminal(host);
    has(t, term.type("routes\r"), /error: routes failed: table locked/);
    has(t, term.type("get role\r"), /role = client/);
  },
});
