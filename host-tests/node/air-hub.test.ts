// Several nodes on one laptop: the shared air (src/host/air-hub.ts), the node flash kept in a
// file per node id, and the `system5 node` fixes (node key from the id, GPS fix before piped input).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { AirHub, airSocketPath, connectAir, groundDistanceM, hearingRangeM } from "../../src/host/air-hub";
import { FilePreference, nodeStorePath } from "../../src/host/preference-file";
import { meshSpacingM } from "../../src/cli/mesh-command";

const root = path.resolve(__dirname, "../..");
const tmp = () => mkdtempSync(path.join(tmpdir(), "system5-air-"));

/** Three T-Beams in a line, each in reach of its neighbours only. */
function line(hub: AirHub, n = 3): number[] {
  const spacing = meshSpacingM("SHORT_FAST");
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const node = hub.addNode({ board: "tbeam", id: `5a00000${i + 1}`, lat: 48.1374, lon: 11.5755 + (i * spacing) / (111_320 * Math.cos((48.1374 * Math.PI) / 180)), preset: "SHORT_FAST" });
    ids.push(node.id);
  }
  return ids;
}

describe("shared air", () => {
  test("positions and the path-loss model decide who hears whom: a DM crosses two hops, a broadcast reaches both", () => {
    const hub = new AirHub({ seed: 3 });
    const [a, , c] = line(hub);
    const out = new Map<number, string>();
    for (const id of hub.nodes.keys()) hub.subscribe(id, (t) => out.set(id, (out.get(id) ?? "") + Buffer.from(t).toString("utf8")));
    hub.clock.advance(120_000);
    hub.input(a, Buffer.from("neighbors\r"));
    hub.clock.advance(100);
    // Node 1 hears node 2 only.
    expect(out.get(a)).toMatch(/5a000002 .*dBm/);
    expect(out.get(a)).not.toMatch(/5a000003 .*dBm/);
    hub.input(a, Buffer.from("send 5a000003 hello across\r"));
    hub.clock.advance(60_000);
    expect(out.get(c)).toContain("[dm] 5a000001 → 5a000003 (2 hops): hello across");
    expect(out.get(a)).toMatch(/\[ack\] #\d+ to 5a000003 arrived \(2 hops\)/);
    hub.input(c, Buffer.from("broadcast market at 10\r"));
    hub.clock.advance(30_000);
    expect(out.get(a)).toMatch(/\[msg\] 5a000003 → all \(2 hops\): market at 10/);
    expect(out.get(0x5a000002)).toMatch(/\[msg\] 5a000003 → all \(1 hop\): market at 10/);
    hub.stop();
  });

  test("the default spacing puts neighbours inside the hearing range and the next-but-one outside", () => {
    const range = hearingRangeM("SHORT_FAST", 17);
    const spacing = meshSpacingM("SHORT_FAST");
    expect(spacing).toBeLessThan(range);
    expect(2 * spacing).toBeGreaterThan(range);
    expect(groundDistanceM({ lat: 0, lon: 0 }, { lat: 0.001, lon: 0 })).toBeCloseTo(111.32, 1);
  });

  test("the node key depends on the node id, not only on the seed", () => {
    const hub = new AirHub({ seed: 1 });
    line(hub, 2);
    const keys = [...hub.nodes.values()].map((n) => /node key ([0-9a-f ]+)/.exec(n.host.output)?.[1]);
    expect(keys[0]).toBeDefined();
    expect(keys[0]).not.toBe(keys[1]);
    hub.stop();
  });

  test("settings, node key and counter persist in a file per node id; a damaged file is kept aside", () => {
    const data = tmp();
    const first = new AirHub({ seed: 1, dataDir: data });
    const node = first.addNode({ board: "heltec-v3", id: "0a0b0c0d" });
    first.input(node.id, Buffer.from("set name hilltop\r"));
    first.clock.advance(100);
    const key = /node key ([0-9a-f ]+)/.exec(node.host.output)?.[1];
    first.stop();
    const file = nodeStorePath(data, 0x0a0b0c0d);
    expect(JSON.parse(readFileSync(file, "utf8")).s5.name).toEqual({ s: "hilltop" });
    // Another run, another seed: same node, same flash.
    const second = new AirHub({ seed: 99, dataDir: data });
    const again = second.addNode({ board: "heltec-v3", id: "0a0b0c0d" });
    again.host.type("get name");
    second.clock.advance(100);
    expect(again.host.output).toContain("name = hilltop");
    expect(/node key ([0-9a-f ]+)/.exec(again.host.output)?.[1]).toBe(key);
    second.stop();
    writeFileSync(file, "{ not json");
    const damaged = new FilePreference(file);
    expect(damaged.problem).toMatch(/damaged .* kept as 0a0b0c0d.json.bad/);
    expect(existsSync(`${file}.bad`)).toBe(true);
  });

  test("other processes join and attach through the air's socket; bad requests get an error line", async () => {
    const data = tmp();
    const hub = new AirHub({ seed: 1 });
    const socketPath = airSocketPath(data, "t1");
    await hub.listen(socketPath);
    const joined = await connectAir(socketPath, { join: { board: "heltec-v2", id: "00000042" } });
    expect(joined.id).toBe("00000042");
    let text = "";
    joined.socket.on("data", (c: Buffer) => (text += c.toString()));
    joined.socket.write("status\r");
    await new Promise((r) => setTimeout(r, 50));
    hub.clock.advance(100);
    await new Promise((r) => setTimeout(r, 50));
    expect(text).toMatch(/node\s+00000042 \(mac\)/);
    await expect(connectAir(socketPath, { attach: "00000099" })).rejects.toThrow(/no node 00000099 on this air/);
    await expect(connectAir(socketPath, { join: { board: "tbeam-s3", id: "1" } })).rejects.toThrow(/unknown board "tbeam-s3"/);
    await expect(hub.listen(socketPath)).rejects.toThrow(/already running/);
    joined.socket.destroy();
    hub.stop();
    expect(() => airSocketPath(data, "../x")).toThrow(/not an air name/);
  });
});

describe("system5 node and mesh from the command line", () => {
  const cli = (args: string[], input: string) =>
    spawnSync(process.execPath, [path.join(root, "bin/system5.mjs"), ...args], { input, encoding: "utf8", timeout: 60_000 });

  test("status at boot with piped input shows the --lat/--lon fix", () => {
    const r = cli(["node", "--board", "tbeam", "--lat", "48.1374", "--lon", "11.5755", "--no-save"], "status\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gps\s+fix 48\.13740, 11\.57550/);
    expect(r.stdout).toMatch(/cluster\s+u281/);
  });

  test("--seed x is a usage error (exit 2)", () => {
    const r = cli(["node", "--board", "tbeam", "--seed", "x"], "");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--seed must be a whole number/);
  });

  test("mesh: a DM typed at node 1 shows at node 3, piped", () => {
    const r = cli(["mesh", "--nodes", "3", "--speed", "40", "--data", tmp()], "@wait 90\nsend 5a000003 hi there\n@wait 40\n@3\nget name\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("(3: 5a000003) [dm] 5a000001 → 5a000003 (2 hops): hi there");
    expect(r.stdout).toContain("--- console of node 3 (5a000003) ---");
    expect(r.stdout).toContain("name = system5");
  });
});
