// Node ids from node keys on the device (src/app/key-identity.ts, docs/security.md §7.3): whole
// host nodes with idsFromKeys, as the device runs (src/app/main.ts). A fresh node's id is the key
// id of the key it draws; a store written by older firmware (a user-set id, a MAC id, a stored
// key) boots, keeps its key and records its former id once; damaged records give a clear warning
// and a working node; two such nodes exchange a DM with binding required.
import { describe, expect, test } from "vitest";
import { keyIdOfSecret } from "../../src/app/key-identity";
import { nodeIdFromMac } from "../../src/app/node-id";
import { loadNodeSecret, readNodeSecret, SECURITY_DOMAIN, SECURITY_KEYS } from "../../src/app/security";
import { FORMER_ID_KEY, SETTINGS_DOMAIN } from "../../src/app/settings";
import { keyIdOf } from "../../src/core/security/key-id";
import { formatNodeId } from "../../src/core/station";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { HostNode } from "../../src/host/host-node";
import { answer, lastBoot, prefsWith, reboot } from "./host-console";

/** The MAC id HostNode gives a node of `id` (its MAC's last four bytes). */
const macIdOf = (id: number): number => nodeIdFromMac(Uint8Array.of(0x02, 0x53, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff)) as number;

describe("device node ids from node keys", () => {
  test("a fresh node's id is the key id of the key it draws, the same after a reboot, with binding required", () => {
    const clock = new VirtualClock({ seed: 21 });
    const prefs = prefsWith("heltec-v3", {});
    const node = new HostNode({ air: new Air(clock), board: "heltec-v3", name: "fresh", id: 0x5a000001, preferences: prefs, idsFromKeys: true });
    clock.advance(100);
    const stored = readNodeSecret(prefs);
    expect(stored.secret).toBeDefined();
    const id = keyIdOfSecret(stored.secret as Uint8Array);
    expect(id).not.toBe(0x5a000001);
    expect(node.running.app.identity).toEqual({ id, source: "key" });
    const mesh = node.running.mesh!;
    expect(mesh.node.id).toBe(id);
    expect(keyIdOf(mesh.secure.publicKey as Uint8Array)).toBe(id);
    // Before the radio started the key did not exist: the boot said so, then named the new id.
    expect(node.output).toContain("node id: from the node key, which is drawn when the radio starts");
    expect(node.output).toContain(`node ${formatNodeId(id)} (key id of the new node key)`);
    expect(node.output).not.toMatch(/formerly|warning: node id/);
    expect(answer(node, "status")).toMatch(new RegExp(`node\\s+${formatNodeId(id)} \\(key id of the node key\\)`));
    expect(answer(node, "get node")).toBe("node = from the node key\r\n> ");
    // A new node is recorded as having had no other id, so no later boot invents one.
    expect(prefs.get(SETTINGS_DOMAIN, FORMER_ID_KEY)).toBe("none");
    const again = reboot(node);
    expect(again).toContain(`node ${formatNodeId(id)} (key id of the node key)`);
    expect(again).not.toMatch(/formerly|drawn when the radio starts/);
    expect(node.running.mesh!.node.id).toBe(id);
  });

  test("set node is refused with the reason; reset node-key says the id changes with the key", () => {
    const clock = new VirtualClock({ seed: 22 });
    const prefs = prefsWith("heltec-v3", {});
    const node = new HostNode({ air: new Air(clock), board: "heltec-v3", name: "n", id: 0x5a000001, preferences: prefs, idsFromKeys: true });
    clock.advance(100);
    const before = node.running.app.identity.id;
    expect(answer(node, "set node 0a1b2c3d")).toMatch(/^error: the node id comes from the node key \(docs\/security\.md §7\.3\) and cannot be set: `reset node-key` draws a new key pair, and with it a new id\r\n/);
    expect(prefs.get(SETTINGS_DOMAIN, "node")).toBeUndefined();
    expect(answer(node, "reset node-key")).toMatch(/and with it a new node id/);
    expect(answer(node, "yes")).toMatch(/node key/);
    reboot(node);
    const after = node.running.app.identity;
    expect(after.source).toBe("key");
    expect(after.id).not.toBe(before);
    expect(after.id).toBe(keyIdOfSecret(readNodeSecret(prefs).secret as Uint8Array));
  });

  test("a store from the old format (user-set id, stored key) boots, keeps its key, and moves the old id to formerid once", () => {
    const clock = new VirtualClock({ seed: 23 });
    const prefs = prefsWith("heltec-v3", { node: "0a1b2c3d", name: "hillside" });
    // The key older firmware drew and stored (the record format is unchanged).
    let n = 7;
    const old = loadNodeSecret(prefs, () => (n = (n * 1103515245 + 12345) >>> 0)).secretKey;
    const keyId = keyIdOfSecret(old);
    const node = new HostNode({ air: new Air(clock), board: "heltec-v3", name: "old", id: 0x5a000001, preferences: prefs, idsFromKeys: true });
    clock.advance(100);
    const boot1 = lastBoot(node);
    expect(boot1).toContain(`note: node ids now come from node keys (docs/security.md §7.3): this node, formerly 0a1b2c3d (set by you), is now ${formatNodeId(keyId)}.`);
    expect(boot1).toContain(`node ${formatNodeId(keyId)} (key id of the node key)`);
    expect(boot1).not.toMatch(/warning: (?!this network uses the public default key)/);
    // The key is the stored one: same secret, and the mesh runs under its key id.
    expect(readNodeSecret(prefs).secret).toEqual(old);
    expect(node.running.mesh!.node.id).toBe(keyId);
    expect(keyIdOf(node.running.mesh!.secure.publicKey as Uint8Array)).toBe(keyId);
    // The user's id is kept in the record, out of the settings; the other settings are untouched.
    expect(prefs.get(SETTINGS_DOMAIN, FORMER_ID_KEY)).toBe("0a1b2c3d set by you");
    expect(prefs.get(SETTINGS_DOMAIN, "node")).toBeUndefined();
    expect(node.running.app.settings.current.networkName).toBe("hillside");
    // Said once: the next boot is quiet.
    const boot2 = reboot(node);
    expect(boot2).not.toMatch(/formerly|warning: (?!this network uses the public default key)/);
    expect(node.running.app.identity).toEqual({ id: keyId, source: "key" });
  });

  test("an old node whose id came from the MAC records that id as its former one", () => {
    const clock = new VirtualClock({ seed: 24 });
    const air = new Air(clock);
    const prefs = prefsWith("tbeam", {});
    loadNodeSecret(prefs, () => 0x01020304);
    const old = new HostNode({ air, board: "tbeam", chip: "sx1262", name: "old", id: 0x5a000002, preferences: prefs, idsFromKeys: true });
    clock.advance(100);
    expect(old.output).toMatch(new RegExp(`formerly ${formatNodeId(macIdOf(0x5a000002))} \\(from the MAC\\), is now ${formatNodeId(old.running.app.identity.id)}`));
    expect(prefs.get(SETTINGS_DOMAIN, FORMER_ID_KEY)).toBe(`${formatNodeId(macIdOf(0x5a000002))} from the MAC`);
  });

  test("damaged records give a clear warning and a working node, never a crash", () => {
    const clock = new VirtualClock({ seed: 25 });
    const air = new Air(clock);
    const prefs = prefsWith("heltec-v3", {});
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.nodeKey, new Uint8Array(36).fill(0xa5).buffer);
    prefs.corrupt(SETTINGS_DOMAIN, "node", new ArrayBuffer(3));
    prefs.corrupt(SETTINGS_DOMAIN, FORMER_ID_KEY, 12);
    const node = new HostNode({ air, board: "heltec-v3", name: "bad", id: 0x5a000003, preferences: prefs, idsFromKeys: true });
    clock.advance(100);
    const boot = lastBoot(node);
    expect(boot).toContain("warning: stored node key damaged: a new one was drawn; peers that pinned the old one will refuse it until they forget it");
    const id = node.running.app.identity.id;
    expect(node.running.app.identity.source).toBe("key");
    expect(id).toBe(keyIdOfSecret(readNodeSecret(prefs).secret as Uint8Array));
    expect(node.running.mesh!.node.id).toBe(id);
    expect(boot).not.toMatch(/error/);
    // A failing flash: the console still comes up, says what failed, and the node runs on a key it could not keep.
    const broken = prefsWith("heltec-v3", {});
    broken.failWith = "nvs read error";
    const sick = new HostNode({ air, board: "heltec-v3", name: "sick", id: 0x5a000004, preferences: broken, idsFromKeys: true });
    clock.advance(100);
    expect(sick.output).toMatch(/warning: settings store unreadable \(nvs read error\)/);
    expect(sick.output).toMatch(/warning: node key not stored \(nvs read error\)/);
    expect(sick.running.app.identity.source).toBe("key");
    expect(sick.running.mesh!.node.id).toBe(sick.running.app.identity.id);
  });
});

describe("two nodes with key-derived ids", () => {
  test("exchange a DM with binding required; a node on a scripted (unbound) id cannot get a key from them", () => {
    const clock = new VirtualClock({ seed: 26 });
    const air = new Air(clock);
    const a = new HostNode({ air, board: "heltec-v3", name: "a", id: 0x5a00000a, position: { x: 0, y: 0 }, preferences: prefsWith("heltec-v3", {}), idsFromKeys: true });
    const b = new HostNode({ air, board: "heltec-v3", name: "b", id: 0x5a00000b, position: { x: 200, y: 0 }, preferences: prefsWith("heltec-v3", {}), idsFromKeys: true });
    // A node on older firmware (or a scripted host run): its id is not its key id.
    const c = new HostNode({ air, board: "heltec-v3", name: "c", id: 0x0c, position: { x: 100, y: 150 }, preferences: prefsWith("heltec-v3", {}) });
    clock.advance(4 * 60_000);
    const idA = a.running.app.identity.id;
    const idB = b.running.app.identity.id;
    expect(a.running.mesh!.node.neighbours(clock.now()).map((x) => x.id).sort()).toEqual([0x0c, idB].sort());
    expect(answer(a, `send ${formatNodeId(idB)} bound hello`)).toMatch(new RegExp(`queued #\\d+ to ${formatNodeId(idB)} \\(private`));
    expect(clock.runUntil(() => b.output.includes(`[dm] ${formatNodeId(idA)} → ${formatNodeId(idB)} (1 hop): bound hello`), 60_000)).toBe(true);
    expect(answer(b, `send ${formatNodeId(idA)} bound reply`)).toMatch(/queued|sent/);
    expect(clock.runUntil(() => a.output.includes(`[dm] ${formatNodeId(idB)} → ${formatNodeId(idA)} (1 hop): bound reply`), 60_000)).toBe(true);
    // Binding is required on a and b: c's key, not bound to its id, is refused (c answers a's key
    // request, and a does not take the key), so a DM to c fails after the key wait.
    const unboundBefore = a.running.mesh!.secure.stats.unboundKeys;
    answer(a, "send 0000000c unbound");
    expect(clock.runUntil(() => /\[failed\] #\d+ to 0000000c: no public key from 0000000c/.test(a.output), 200_000)).toBe(true);
    expect(a.running.mesh!.secure.stats.unboundKeys).toBeGreaterThan(unboundBefore);
    expect(c.running.mesh!.secure.stats.keyAnswersSent).toBeGreaterThan(0);
    expect(a.running.mesh!.secure.knowsKeyOf(0x0c)).toBe(false);
    expect(c.output).not.toContain("unbound");
    // c (optional binding) still takes a's bound key, from anyone.
    expect(c.running.mesh!.secure.knowsKeyOf(idA)).toBe(true);
  });
});

describe("system5 node --key-ids", () => {
  test("the node's id is its key id, not --id (its MAC), and set node says why", async () => {
    const { buildCliNode } = await import("../../src/cli/node-command");
    let out = "";
    const node = buildCliNode({ board: "tbeam", id: "0a1b2c3d", seed: 1, keyIds: true }, (t) => (out += t));
    node.clock.advance(1_500);
    const id = node.running.app.identity.id;
    expect(id).not.toBe(0x0a1b2c3d);
    expect(id).toBe(keyIdOf(node.running.mesh!.secure.publicKey as Uint8Array));
    node.type("status");
    node.clock.advance(10);
    expect(out).toMatch(new RegExp(`node\\s+${formatNodeId(id)} \\(key id of the node key\\)`));
    node.type("set node 0a1b2c3d");
    node.clock.advance(10);
    expect(out).toMatch(/error: the node id comes from the node key/);
    node.stop();
  });
});
