// The device API (src/app/api.ts, docs/api.md) on emulated nodes: every command and event round
// trip, malformed frames answered with error records (never a crash, the console unharmed), and
// the host client end to end through real pseudo-terminals against three nodes on a shared air.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { encodeFrame, FrameSplitter, MAX_FRAME_PAYLOAD } from "../../src/app/api-frame";
import { AirHub } from "../../src/host/air-hub";
import { ApiClient, serialTransport, type Transport } from "../../src/host/api-client";
import { meshSpacingM } from "../../src/cli/mesh-command";
import { identities } from "../shared/key-binding.cases";

const root = path.resolve(__dirname, "../..");
const PER_DEGREE_LON = 111_320 * Math.cos((48.1374 * Math.PI) / 180);

/** Three T-Beams in a line on one air, driven by hand (virtual time). */
function mesh(): { hub: AirHub; ids: number[] } {
  const hub = new AirHub({ seed: 5 });
  const spacing = meshSpacingM("SHORT_FAST");
  const ids = [0, 1, 2].map((i) => hub.addNode({ board: "tbeam", id: `5a00000${i + 1}`, lat: 48.1374, lon: 11.5755 + (i * spacing) / PER_DEGREE_LON, preset: "SHORT_FAST" }).id);
  return { hub, ids };
}

/** A client on node `id`'s serial port, in virtual time. */
function client(hub: AirHub, id: number): { api: ApiClient; text: () => string } {
  let text = "";
  const listeners: Array<(b: Uint8Array) => void> = [];
  hub.subscribe(id, (b) => listeners.forEach((l) => l(b)));
  const transport: Transport = {
    write: (bytes) => hub.input(id, bytes),
    onData: (l) => void listeners.push(l),
    onClose: () => undefined,
    close: async () => undefined,
  };
  const api = new ApiClient(transport, { onText: (b) => (text += Buffer.from(b).toString("utf8")) });
  return { api, text: () => text };
}

/** Runs virtual time until `p` settles (requests answer within a few virtual ms). */
async function settle<T>(hub: AirHub, p: Promise<T>, maxMs = 200_000): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let t = 0; t < maxMs && !done; t += 50) {
    hub.clock.advance(50);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
  return p;
}

describe("device API round trips", () => {
  const { hub, ids } = mesh();
  const [a, b, c] = ids;
  hub.clock.advance(120_000);
  const one = client(hub, a);
  const three = client(hub, c);
  afterAll(() => hub.stop());

  test("api: switches events on and off; info answers the node", async () => {
    expect(await settle(hub, one.api.request("api", { events: true }))).toMatchObject({ ok: true, api: 1, events: true });
    const info = await settle(hub, one.api.request("info"));
    expect(info.info).toMatchObject({ id: "5a000001", board: "LILYGO T-Beam v1.1", preset: "SHORT_FAST", region: "EU868", cluster: "u281", neighbours: 1 });
    expect((info.info as { gps: { fix: boolean } }).gps.fix).toBe(true);
  });

  test("nodes and routes list the neighbour and the node two hops away", async () => {
    const nodes = (await settle(hub, one.api.request("nodes"))).nodes as Array<Record<string, unknown>>;
    expect(nodes.find((n) => n.id === "5a000002")).toMatchObject({ neighbour: true, hops: 1, cluster: "u281" });
    expect(typeof nodes.find((n) => n.id === "5a000002")?.snr).toBe("number");
    expect(nodes.some((n) => n.id === "5a000003")).toBe(true);
    const routes = (await settle(hub, one.api.request("routes"))).routes as Array<Record<string, unknown>>;
    expect(routes.find((r) => r.destination === "5a000003")).toMatchObject({ kind: "node", via: "5a000002" });
  });

  test("get and set settings, with the console's checks", async () => {
    expect(await settle(hub, one.api.request("get", { key: "preset" }))).toMatchObject({ key: "preset", value: "SHORT_FAST" });
    expect((await settle(hub, one.api.request("get"))).settings).toMatchObject({ region: "EU868", name: "system5" });
    expect((await settle(hub, one.api.request("set", { key: "name", value: "hill" }))).message).toMatch(/name/);
    expect(await settle(hub, one.api.request("get", { key: "name" }))).toMatchObject({ value: "hill" });
    await expect(settle(hub, one.api.request("set", { key: "txpower", value: "99" }))).rejects.toThrow(/txpower/);
    await settle(hub, one.api.request("set", { key: "name", value: "default" }));
  });

  test("send: answer with the seq, message event at the destination, ack event at the sender", async () => {
    await settle(hub, three.api.request("api", { events: true }));
    const got = three.api.waitForEvent((e) => e.event === "message", 120_000);
    const sent = await settle(hub, one.api.request("send", { to: "5a000003", text: "hello over the API" }));
    expect(sent).toMatchObject({ ok: true, to: "5a000003", private: true });
    const ack = one.api.waitForEvent((e) => e.event === "ack" && e.seq === sent.seq, 120_000);
    expect(await settle(hub, got)).toMatchObject({ event: "message", from: "5a000001", to: "5a000003", hops: 2, private: true, text: "hello over the API" });
    expect(await settle(hub, ack)).toMatchObject({ event: "ack", to: "5a000003", hops: 2 });
  });

  test("broadcast: a message event with private false at every other node", async () => {
    const got = one.api.waitForEvent((e) => e.event === "message" && e.to === "all", 120_000);
    expect(await settle(hub, three.api.request("broadcast", { text: "market at 10" }))).toMatchObject({ ok: true, to: "all" });
    expect(await settle(hub, got)).toMatchObject({ from: "5a000003", hops: 2, private: false, text: "market at 10" });
  });

  test("traceroute: next hops now, then a traceroute event with the hops and round trip; the probe is not shown as a message", async () => {
    const r = await settle(hub, one.api.request("traceroute", { to: "5a000003" }));
    expect(r.nextHops).toEqual(["5a000002"]);
    const t = await settle(hub, one.api.waitForEvent((e) => e.event === "traceroute" && e.seq === r.seq, 120_000));
    expect(t).toMatchObject({ ok: true, to: "5a000003", hops: 2 });
    expect(t.roundTripMs as number).toBeGreaterThan(0);
    expect(three.text()).toMatch(/\[trace\] probe from 5a000001 \(2 hops\)/);
    expect(three.text()).not.toMatch(/\[dm\] 5a000001 → 5a000003 \(2 hops\): \\x00TR/);
  });

  test("a message that cannot be delivered ends in a failed event", async () => {
    const sent = await settle(hub, one.api.request("send", { to: "0badc0de", text: "anyone?" }));
    const failed = await settle(hub, one.api.waitForEvent((e) => e.event === "failed" && e.seq === sent.seq, 400_000), 400_000);
    expect(failed).toMatchObject({ event: "failed", to: "0badc0de" });
    expect(typeof failed.code).toBe("string");
  });

  test("telemetry: battery, channel utilisation, airtime in the last hour, duty budget left", async () => {
    const t = (await settle(hub, one.api.request("telemetry"))).telemetry as Record<string, number>;
    expect(t.battery).toBeGreaterThan(0);
    expect(t.channelUtilisation).toBeGreaterThan(0);
    expect(t.channelUtilisation).toBeLessThan(1);
    expect(t.airtimeLastHourMs).toBeGreaterThan(0);
    expect(t.dutyBudgetMs).toBe(360_000);
    expect(t.dutyBudgetLeftMs).toBe(t.dutyBudgetMs - t.airtimeLastHourMs);
  });

  test("malformed frames get error records, never a crash; the console keeps working", async () => {
    const bad: Array<[Uint8Array, RegExp]> = [
      [Buffer.from("not json"), /not JSON/],
      [Buffer.from("[1,2]"), /not a JSON object/],
      [Buffer.from('{"id":1}'), /cmd missing/],
      [Buffer.from('{"id":2,"cmd":"launch"}'), /unknown cmd "launch"/],
      [Buffer.from('{"id":3,"cmd":"send","to":"ffffffff","text":"x"}'), /not a node id/],
      [Buffer.from('{"id":4,"cmd":"send","to":"5a000003"}'), /text must be/],
      [Buffer.from('{"id":-1,"cmd":"info"}'), /id must be/],
      [Uint8Array.of(0xff, 0xfe, 0x00), /not JSON/],
    ];
    for (const [payload] of bad) one.api.sendRaw(payload);
    // A length over the limit, then a frame cut off and left hanging.
    hub.input(a, Uint8Array.of(0x94, 0xc3, 0xff, 0xff));
    hub.input(a, Uint8Array.of(0x94, 0xc3, 0x00, 0x10, 0x7b));
    hub.clock.advance(2_000);
    hub.input(a, Buffer.from("status\r"));
    hub.clock.advance(100);
    await new Promise((r) => setImmediate(r));
    const errors = one.api.unmatched.filter((r) => r.ok === false).map((r) => String(r.error));
    for (const [, message] of bad) expect(errors.some((e) => message.test(e))).toBe(true);
    expect(errors.some((e) => /frame length 65535 is over 4096/.test(e))).toBe(true);
    expect(errors.some((e) => /incomplete frame dropped/.test(e))).toBe(true);
    expect(one.text()).toMatch(/node\s+5a000001 \(mac\)/);
    // Still answering.
    expect(await settle(hub, one.api.request("get", { key: "region" }))).toMatchObject({ value: "EU868" });
    void b;
  });

  test("frames split anywhere and UTF-8 text around them are taken apart correctly", () => {
    const frames: string[] = [];
    const text: number[] = [];
    const s = new FrameSplitter({ now: () => 0, onFrame: (p) => frames.push(Buffer.from(p).toString()), onText: (t) => text.push(...t), onError: (e) => frames.push(`error ${e}`) });
    const whole = Buffer.concat([Buffer.from("a—é "), Buffer.from(encodeFrame(Buffer.from('{"x":1}'))), Buffer.from("z")]);
    for (const byte of whole) s.push(Uint8Array.of(byte));
    expect(frames).toEqual(['{"x":1}']);
    expect(Buffer.from(text).toString("utf8")).toBe("a—é z");
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD + 1))).toThrow(RangeError);
  });
});

describe("console commands", () => {
  test("nodes, traceroute, reset peer, reset node-key and factory-reset with confirmation", () => {
    const { hub, ids } = mesh();
    const [a, , c] = ids;
    let out = "";
    hub.subscribe(a, (b) => (out += Buffer.from(b).toString("utf8")));
    hub.clock.advance(120_000);
    const type = (line: string, ms = 200) => {
      out = "";
      hub.input(a, Buffer.from(`${line}\r`));
      hub.clock.advance(ms);
      return out;
    };
    expect(type("nodes")).toMatch(/5a000002  1 {4}.* dB .*u281/);
    expect(type("traceroute 5a000003", 30_000)).toMatch(/tracing 5a000003: probe #\d+, next hop 5a000002[\s\S]*\[trace\] 5a000003: 2 hops, round trip \d+\.\d s/);
    expect(type("send 5a000003 x", 30_000)).toMatch(/\[ack\]/);
    expect(type("reset peer 5a000003")).toMatch(/forgot the key of 5a000003/);
    expect(type("reset peer 5a000003")).toMatch(/no key pinned for 5a000003/);
    expect(type("reset bogus")).toMatch(/error: reset what\?/);
    const keyBefore = /node key ([0-9a-f ]+)/.exec(hub.nodes.get(a)?.host.output ?? "")?.[1];
    expect(type("reset node-key")).toMatch(/Erase the node key\?.*Type yes to confirm/);
    expect(type("no")).toMatch(/cancelled/);
    type("reset node-key");
    expect(type("yes")).toMatch(/node key erased/);
    type("reboot", 2_000);
    const keyAfter = /node key ([0-9a-f ]+)/.exec(out)?.[1];
    expect(keyAfter).toBeDefined();
    expect(keyAfter).not.toBe(keyBefore);
    type("set name hilltop");
    type("factory-reset");
    expect(type("yes", 2_000)).toMatch(/erasing; rebooting…[\s\S]*System 5 on/);
    expect(type("get name")).toMatch(/name = system5/);
    void c;
    hub.stop();
  });
});

describe("host client: an event that comes in the same read as its request's answer", () => {
  /** A transport whose far end answers each request with its answer and an event in one chunk. */
  function oneChunkDevice(): Transport {
    let deliver: (b: Uint8Array) => void = () => undefined;
    const enc = (r: object) => encodeFrame(new TextEncoder().encode(JSON.stringify(r)));
    return {
      write(bytes) {
        const splitter = new FrameSplitter({ now: () => 0, onText: () => undefined, onError: () => undefined, onFrame: (p) => {
          const req = JSON.parse(new TextDecoder().decode(p)) as { id: number };
          const answer = enc({ re: req.id, ok: true, seq: 7, to: "5a000003", nextHops: [] });
          const event = enc({ event: "traceroute", seq: 7, to: "5a000003", ok: true, hops: 2 });
          const both = new Uint8Array(answer.length + event.length);
          both.set(answer);
          both.set(event, answer.length);
          queueMicrotask(() => deliver(both));
        } });
        splitter.push(bytes);
      },
      onData(l) {
        deliver = l;
      },
      onClose: () => undefined,
      close: async () => undefined,
    };
  }

  test("requestThenEvent still sees it (a listener added after the answer would not)", async () => {
    const late = new ApiClient(oneChunkDevice());
    const r = await late.request("traceroute", { to: "5a000003" });
    await expect(late.waitForEvent((e) => e.event === "traceroute" && e.seq === r.seq, 200)).rejects.toThrow(/no such event/);
    const api = new ApiClient(oneChunkDevice());
    const answered: unknown[] = [];
    const { answer, event } = await api.requestThenEvent("traceroute", { to: "5a000003" }, (a, e) => e.event === "traceroute" && e.seq === a.seq, 200, (a) => answered.push(a.seq));
    expect(answer).toMatchObject({ seq: 7 });
    expect(event).toMatchObject({ event: "traceroute", seq: 7, hops: 2 });
    expect(answered).toEqual([7]);
  });
});

describe("host client end to end through pseudo-terminals", () => {
  test("three nodes on a shared air: a DM and a broadcast read through system5 connect's client on a pty", async () => {
    const data = mkdtempSync(path.join(tmpdir(), "system5-pty-"));
    const child = spawn(process.execPath, [path.join(root, "bin/system5.mjs"), "mesh", "--nodes", "3", "--pty", "--speed", "20", "--data", data], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.write("@wait 3000\n");
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.resume();
    try {
      const ports = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no pty paths: ${err}`)), 60_000);
        const check = () => {
          const found = [...err.matchAll(/node (5a00000\d) serial port: (\S+)/g)].map((m) => m[2]);
          if (found.length === 3) {
            clearTimeout(timer);
            resolve(found);
          }
        };
        child.stderr.on("data", check);
      });
      const one = new ApiClient(await serialTransport(ports[0]));
      const three = new ApiClient(await serialTransport(ports[2]));
      expect((await three.request("info")).info).toMatchObject({ id: "5a000003" });
      // Wait until node 1 has a route to node 3 (about 30-90 s of node time, 20 times faster here).
      for (let i = 0; i < 120; i++) {
        const routes = (await one.request("routes")).routes as Array<{ destination: string }>;
        if (routes.some((r) => r.destination === "5a000003")) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const dm = three.waitForEvent((e) => e.event === "message" && e.private === true, 90_000);
      const sent = await one.request("send", { to: "5a000003", text: "across three nodes" });
      expect(await dm).toMatchObject({ from: "5a000001", to: "5a000003", hops: 2, text: "across three nodes" });
      expect(await one.waitForEvent((e) => e.event === "ack" && e.seq === sent.seq, 90_000)).toMatchObject({ hops: 2 });
      const bc = three.waitForEvent((e) => e.event === "message" && e.to === "all", 90_000);
      await one.request("broadcast", { text: "hello everyone" });
      expect(await bc).toMatchObject({ from: "5a000001", hops: 2, private: false, text: "hello everyone" });
      await one.close();
      await three.close();
    } finally {
      child.stdin.end();
      child.kill();
    }
  }, 300_000);
});

describe("system5 connect from a script", () => {
  test("answers, --json, exit codes: 0 done, 1 refused, 2 usage", async () => {
    const data = mkdtempSync(path.join(tmpdir(), "system5-connect-"));
    const hub = new AirHub({ seed: 2, speed: 50 });
    const spacing = meshSpacingM("SHORT_FAST");
    for (let i = 0; i < 3; i++) hub.addNode({ board: "tbeam", id: `5a00000${i + 1}`, lat: 48.1374, lon: 11.5755 + (i * spacing) / PER_DEGREE_LON, preset: "SHORT_FAST" });
    await hub.listen(path.join(data, "air", "t.sock"));
    hub.clock.advance(150_000);
    hub.start();
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, [path.join(root, "bin/system5.mjs"), "connect", "--air", "t", "--node", "5a000001", "--data", data, ...args]);
        let out = "";
        let err = "";
        c.stdout.on("data", (d: Buffer) => (out += d.toString()));
        c.stderr.on("data", (d: Buffer) => (err += d.toString()));
        c.on("close", (code) => resolve({ code, out, err }));
      });
    try {
      const info = await run("info", "--json");
      expect(info.code).toBe(0);
      expect(JSON.parse(info.out).info).toMatchObject({ id: "5a000001", preset: "SHORT_FAST" });
      const nodes = await run("nodes");
      expect(nodes.out).toMatch(/5a000002\s+1\s/);
      const sent = await run("send", "5a000003", "from", "a", "script", "--wait", "--timeout", "60");
      expect(sent.code).toBe(0);
      expect(sent.out).toMatch(/#\d+ to 5a000003 arrived \(2 hops\)/);
      // A probe is one frame each way over a shared channel, sent at whatever virtual instant the
      // request reaches the node (the hub follows the wall clock, so a loaded machine moves that
      // instant onto another node's OGM). A lost probe is a "no answer" with its reason and exit 1,
      // which is what a user then re-runs; the command's answer is what this checks.
      let trace = await run("traceroute", "5a000003", "--json", "--timeout", "60");
      for (let retry = 0; retry < 2 && trace.code === 1; retry++) {
        expect(JSON.parse(trace.out)).toMatchObject({ event: "traceroute", ok: false });
        trace = await run("traceroute", "5a000003", "--json", "--timeout", "60");
      }
      expect(trace.code, trace.err).toBe(0);
      expect(JSON.parse(trace.out)).toMatchObject({ event: "traceroute", ok: true, hops: 2, nextHops: ["5a000002"] });
      const bad = await run("get", "colour");
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/system5 connect: get: .*colour/);
      expect((await run("send", "5a000003")).code).toBe(2);
      const elsewhere = spawn(process.execPath, [path.join(root, "bin/system5.mjs"), "connect", "--air", "nowhere", "--node", "1", "--data", data, "info"]);
      expect(await new Promise((r) => elsewhere.on("close", r))).toBe(1);
      // Contacts: a peer's bound key added, listed, refused when not bound, removed.
      const [peer] = identities(1, 81);
      const [peerId, peerKey] = [peer.id.toString(16).padStart(8, "0"), Buffer.from(peer.publicKey).toString("hex")];
      const added = await run("contact", "add", peerId, peerKey);
      expect(added.code).toBe(0);
      expect(added.out).toBe(`added contact ${peerId}\n`);
      expect((await run("contacts")).out).toBe(`node      public key (1 of at most 64)\n${peerId}  ${peerKey}\n`);
      expect(JSON.parse((await run("contacts", "--json")).out)).toMatchObject({ total: 1, max: 64, contacts: [{ id: peerId, key: peerKey }] });
      const unbound = await run("contact", "add", "0a1b2c3d", peerKey);
      expect(unbound.code).toBe(1);
      expect(unbound.err).toMatch(/contact not added \(unbound\): the key is not bound to 0a1b2c3d/);
      // Host air nodes have scripted ids: their own key is not bound to them, and contact me says so.
      expect((await run("contact", "me")).out).toMatch(/^node 5a000001\npublic key [0-9a-f]{64}\nnote: the node's id is not the key id of its key/);
      expect((await run("contact", "remove", peerId)).out).toBe(`removed contact ${peerId}\n`);
      expect((await run("contact", "add", peerId)).code).toBe(2);
    } finally {
      hub.stop();
    }
  }, 120_000);
});
