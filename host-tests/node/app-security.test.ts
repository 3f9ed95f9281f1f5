// The device side of the security layer (src/app/security.ts, wired in src/app/start.ts): the
// `key` setting, the cached network key, the stored node key, the frame counter in Preference
// (two copies, a lost mark refuses to seal), and whole nodes on the host air with different keys.
import { describe, expect, test } from "vitest";
import {
  DEFAULT_NETWORK_KEY_HEX,
  loadNetworkKey,
  loadNodeSecret,
  PreferenceCounterStore,
  PUBLIC_KEY_WARNING,
  SECURITY_DOMAIN,
  SECURITY_KEYS,
} from "../../src/app/security";
import { DEFAULT_PASSPHRASE, SettingsStore } from "../../src/app/settings";
import { encodeUtf8 } from "../../src/app/utf8";
import { toHex } from "../../src/core/security/bytes";
import { FrameCounter } from "../../src/core/security/frame-counter";
import { networkKeyFromPassphrase } from "../../src/core/security/keys";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { answer, lastBoot, prefsWith, reboot } from "./host-console";
import { HostNode } from "../../src/host/host-node";
import { HostPreference } from "../../src/host/preference";

const range = { minDbm: 2, maxDbm: 20 };

describe("the key setting", () => {
  test("8..63 printable ASCII; get never shows it; default restores the public key", () => {
    const prefs = new HostPreference();
    const s = new SettingsStore(prefs, range);
    s.load();
    expect(s.get("key")).toEqual({ ok: true, value: "default (public: anyone can read this network)" });
    const short = s.set("key", "seven77");
    expect(short.ok).toBe(false);
    if (!short.ok) {
      expect(short.error).toMatch(/key must be 8\.\.63 printable ASCII characters \(got 7 characters\)/);
      expect(short.error).not.toContain("seven77");
    }
    expect(s.set("key", "x".repeat(64)).ok).toBe(false);
    expect(s.set("key", "grüße an alle").ok).toBe(false);
    expect(prefs.writes).toBe(0);
    const r = s.set("key", "correct horse battery");
    expect(r).toEqual({ ok: true, message: "key = set (hidden; status shows its network id) (saved; takes effect after reboot)" });
    expect(s.current.passphrase).toBe("correct horse battery");
    expect(JSON.stringify(s.list())).not.toContain("horse");
    expect(JSON.stringify(s.get("key"))).not.toContain("horse");
    // Kept across a reboot (a new store on the same flash).
    const again = new SettingsStore(prefs, range);
    expect(again.load().warnings).toEqual([]);
    expect(again.current.passphrase).toBe("correct horse battery");
    expect(again.set("key", "default").ok).toBe(true);
    expect(again.current.passphrase).toBeUndefined();
    expect(prefs.get("s5", "key")).toBeUndefined();
  });

  test("a stored key of the wrong type or length is dropped with a warning that does not print it", () => {
    const prefs = new HostPreference();
    prefs.corrupt("s5", "key", "tiny");
    const loaded = new SettingsStore(prefs, range).load();
    expect(loaded.settings.passphrase).toBeUndefined();
    expect(loaded.warnings.join("\n")).toMatch(/key must be 8\.\.63/);
    expect(loaded.warnings.join("\n")).not.toContain("tiny");
  });
});

describe("network key cache", () => {
  test("the built-in default key is PBKDF2 of the default passphrase and name", () => {
    expect(toHex(networkKeyFromPassphrase(encodeUtf8(DEFAULT_PASSPHRASE), encodeUtf8("system5")))).toBe(DEFAULT_NETWORK_KEY_HEX);
    const r = loadNetworkKey(new HostPreference(), undefined, "system5");
    expect(r).toMatchObject({ source: "default", isDefault: true });
    expect(toHex(r.key)).toBe(DEFAULT_NETWORK_KEY_HEX);
  });

  test("derived once, then cached; a new passphrase or name, or a damaged record, derives again", () => {
    const prefs = new HostPreference();
    let derivations = 0;
    const load = (pass: string | undefined, name: string) => loadNetworkKey(prefs, pass, name, () => derivations++);
    const a = load("alpha passphrase", "hill");
    expect(a.source).toBe("derived");
    expect(toHex(a.key)).toBe(toHex(networkKeyFromPassphrase(encodeUtf8("alpha passphrase"), encodeUtf8("hill"))));
    expect(load("alpha passphrase", "hill")).toMatchObject({ source: "cached", warnings: [] });
    expect(derivations).toBe(1);
    expect(toHex(load("alpha passphrase", "hill").key)).toBe(toHex(a.key));
    // A changed name salts a different key.
    const b = load("alpha passphrase", "valley");
    expect(b.source).toBe("derived");
    expect(toHex(b.key)).not.toBe(toHex(a.key));
    // The default passphrase under another name is still the public key: derived, flagged.
    expect(load(undefined, "valley")).toMatchObject({ source: "derived", isDefault: true });
    // One flipped bit in the cached key: the check fails, the key is derived again (and right).
    load("alpha passphrase", "hill");
    const raw = new Uint8Array(prefs.get(SECURITY_DOMAIN, SECURITY_KEYS.netKey) as ArrayBuffer);
    raw[20] ^= 1;
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.netKey, raw.buffer);
    const c = load("alpha passphrase", "hill");
    expect(c.source).toBe("derived");
    expect(toHex(c.key)).toBe(toHex(a.key));
    // Garbage of another type: derived again.
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.netKey, "junk");
    expect(load("alpha passphrase", "hill").source).toBe("derived");
  });

  test("a store that fails still gives the key, with warnings", () => {
    const prefs = new HostPreference();
    prefs.failWith = "nvs broken";
    const r = loadNetworkKey(prefs, "alpha passphrase", "hill");
    expect(r.source).toBe("derived");
    expect(r.warnings.join("\n")).toMatch(/cache unreadable \(nvs broken\)[\s\S]*not cached \(nvs broken\)/);
  });
});

describe("node key", () => {
  test("drawn once from the random source and stored; a damaged record is replaced with a warning", () => {
    const prefs = new HostPreference();
    let n = 0;
    const random32 = () => (0x01020304 * ++n) >>> 0;
    const first = loadNodeSecret(prefs, random32);
    expect(first.source).toBe("new");
    expect(first.warnings).toEqual([]);
    expect(n).toBe(8);
    const again = loadNodeSecret(prefs, random32);
    expect(again.source).toBe("stored");
    expect(toHex(again.secretKey)).toBe(toHex(first.secretKey));
    expect(n).toBe(8);
    const raw = new Uint8Array(prefs.get(SECURITY_DOMAIN, SECURITY_KEYS.nodeKey) as ArrayBuffer);
    raw[3] ^= 0x80;
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.nodeKey, raw.buffer);
    const fresh = loadNodeSecret(prefs, random32);
    expect(fresh.source).toBe("new");
    expect(fresh.warnings.join("\n")).toMatch(/damaged: a new one was drawn/);
    expect(toHex(fresh.secretKey)).not.toBe(toHex(first.secretKey));
  });
});

describe("frame counter in Preference", () => {
  const NET = 0xd574daf5;

  test("marks above 2^31 survive (32-bit signed Preference integers are not used)", () => {
    const prefs = new HostPreference();
    new PreferenceCounterStore(prefs, NET).save(0xfffff000);
    expect(new PreferenceCounterStore(prefs, NET).load()).toBe(0xfffff000);
    expect(typeof prefs.get(SECURITY_DOMAIN, SECURITY_KEYS.counter)).toBe("object");
  });

  test("a crash never reissues a value: every value after a restart is above every value before", () => {
    const prefs = new HostPreference();
    const issued: number[] = [];
    for (let boot = 0; boot < 4; boot++) {
      const c = new FrameCounter(new PreferenceCounterStore(prefs, NET), 16);
      for (let i = 0; i < 5 + boot * 9; i++) {
        const r = c.issue();
        expect(r.ok).toBe(true);
        if (r.ok) issued.push(r.value);
      }
    }
    for (let i = 1; i < issued.length; i++) expect(issued[i]).toBeGreaterThan(issued[i - 1]);
  });

  test("one damaged copy: resumes from the other; both damaged: refuses to seal until the key changes", () => {
    const prefs = new HostPreference();
    const c = new FrameCounter(new PreferenceCounterStore(prefs, NET), 16);
    for (let i = 0; i < 20; i++) c.issue(); // mark 32
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.counter, new ArrayBuffer(12));
    const one = new PreferenceCounterStore(prefs, NET);
    expect(one.load()).toBe(32);
    expect(one.notes.join()).toMatch(/one copy .* damaged/);
    // Both: no guess, a clear reason; the node refuses under this key, at every boot.
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.counterCopy, "32");
    for (let boot = 0; boot < 2; boot++) {
      const store = new PreferenceCounterStore(prefs, NET);
      const counter = new FrameCounter(store);
      const r = counter.issue();
      expect(r.ok).toBe(false);
      expect(store.problem).toMatch(/damaged in both copies: this node will not transmit under this network key/);
    }
    // A new network key (another net id): a fresh counter, and the marker goes at the first save.
    const store = new PreferenceCounterStore(prefs, 0x12345678);
    const counter = new FrameCounter(store);
    expect(counter.issue()).toEqual({ ok: true, value: 0 });
    expect(store.notes.join()).toMatch(/restarted at 0 under the new network key/);
    expect(prefs.get(SECURITY_DOMAIN, SECURITY_KEYS.counterLost)).toBeUndefined();
    expect(new PreferenceCounterStore(prefs, 0x12345678).load()).toBe(256);
  });

  test("an unreadable store refuses (and does not mark the mark as lost); a failing save refuses the value", () => {
    const prefs = new HostPreference();
    new PreferenceCounterStore(prefs, NET).save(512);
    prefs.failWith = "nvs busy";
    const store = new PreferenceCounterStore(prefs, NET);
    expect(new FrameCounter(store).issue().ok).toBe(false);
    expect(store.problem).toMatch(/unreadable \(nvs busy\)/);
    prefs.failWith = undefined;
    expect(prefs.get(SECURITY_DOMAIN, SECURITY_KEYS.counterLost)).toBeUndefined();
    const c = new FrameCounter(new PreferenceCounterStore(prefs, NET), 4);
    for (let i = 0; i < 4; i++) expect(c.issue().ok).toBe(true);
    prefs.failWith = "flash full";
    expect(c.issue()).toMatchObject({ ok: false });
  });
});

// --- whole nodes on the host air ----------------------------------------------------------

describe("host run: network keys", () => {
  test("nodes on different keys do not hear each other (bad tags rise); the same key does", () => {
    const clock = new VirtualClock({ seed: 5 });
    const air = new Air(clock);
    const a = new HostNode({ air, board: "heltec-v3", name: "a", id: 0x0a, position: { x: 0, y: 0 }, preferences: prefsWith("heltec-v3", { key: "alpha passphrase" }) });
    const b = new HostNode({ air, board: "heltec-v3", name: "b", id: 0x0b, position: { x: 200, y: 0 }, preferences: prefsWith("heltec-v3", { key: "bravo passphrase" }) });
    const c = new HostNode({ air, board: "heltec-v3", name: "c", id: 0x0c, position: { x: 100, y: 150 }, preferences: prefsWith("heltec-v3", { key: "alpha passphrase" }) });
    for (const n of [a, b, c]) {
      expect(n.output).toMatch(/security: deriving the network key/);
      expect(n.output).not.toContain(PUBLIC_KEY_WARNING);
    }
    // Four minutes: OGMs back off from 30 s (Trickle, docs/protocol.md §8.1), so a lone node
    // sends its fourth OGM after about 3.5 minutes.
    clock.advance(4 * 60_000);
    const ids = (n: HostNode) => n.running.mesh!.node.neighbours(clock.now()).map((x) => x.id).sort();
    expect(ids(a)).toEqual([0x0c]);
    expect(ids(c)).toEqual([0x0a]);
    expect(ids(b)).toEqual([]);
    expect(answer(b, "neighbors")).toBe("no neighbors heard yet\r\n> ");
    // b refused every frame of a and c as a bad tag, and they refused b's.
    expect(b.running.mesh!.secure.stats.badTag).toBeGreaterThan(4);
    expect(b.running.mesh!.secure.stats.opened).toBe(0);
    expect(a.running.mesh!.secure.stats.badTag).toBeGreaterThan(2);
    expect(answer(b, "status")).toMatch(/sealed\s+\d+ sealed, 0 opened, rejected bad tag [1-9]\d*\r\n/);
    // Their network ids differ, and each status shows its own.
    const netA = /network key\s+passphrase \(network id ([0-9a-f]{8})\)/.exec(answer(a, "status"))?.[1];
    const netB = /network key\s+passphrase \(network id ([0-9a-f]{8})\)/.exec(answer(b, "status"))?.[1];
    expect(netA).toMatch(/^[0-9a-f]{8}$/);
    expect(netB).toMatch(/^[0-9a-f]{8}$/);
    expect(netA).not.toBe(netB);
    // A DM from a reaches c, and b cannot even tell it went by.
    expect(answer(a, "send 0000000c over here")).toMatch(/queued #\d+ to 0000000c \(private(; asking 0000000c for its key first)?\)/);
    expect(clock.runUntil(() => c.output.includes("[dm] 0000000a → 0000000c (1 hop): over here"), 30_000)).toBe(true);
    expect(b.output).not.toContain("over here");
  });

  test("`get key`, `get` and `status` never show the passphrase; the derived key is cached across reboots", () => {
    const clock = new VirtualClock({ seed: 9 });
    const air = new Air(clock);
    const node = new HostNode({ air, board: "tbeam", chip: "sx1262", name: "solo", id: 0x0a1b2c3d });
    clock.advance(100);
    const secret = "Tr0ub4dor&3 horse";
    expect(answer(node, `set key ${secret}`)).toBe("key = set (hidden; status shows its network id) (saved; takes effect after reboot)\r\n> ");
    const boot1 = reboot(node);
    expect(boot1).toMatch(/security: deriving the network key[\s\S]*security: network [0-9a-f]{8} \(passphrase, key derived\), node key [0-9a-f ]{19}\r\n/);
    expect(boot1).not.toMatch(/warning|error/);
    for (const line of ["get key", "get", "status", "help set"]) expect(answer(node, line), line).not.toContain("Tr0ub4dor");
    expect(answer(node, "get key")).toBe("key = set (hidden; status shows its network id)\r\n> ");
    expect(answer(node, "set key short")).toMatch(/^error: key must be 8\.\.63 printable ASCII characters \(got 5 characters\)\r\n/);
    // The next boot reads the cached key: no derivation.
    const boot2 = reboot(node);
    expect(boot2).not.toMatch(/deriving/);
    expect(boot2).toMatch(/\(passphrase, key cached\)/);
    // The node key stays the node's across reboots.
    const fp = (text: string) => /node key ([0-9a-f ]{19})/.exec(text)?.[1];
    expect(fp(boot2)).toBe(fp(boot1));
    // Back to the public key.
    expect(answer(node, "set key default")).toMatch(/^key = default \(public: anyone can read this network\)/);
    expect(reboot(node)).toContain(PUBLIC_KEY_WARNING);
  });

  test("a node whose counter mark is lost listens but does not transmit, says why, and recovers with a new key", () => {
    const clock = new VirtualClock({ seed: 4 });
    const air = new Air(clock);
    const prefs = prefsWith("heltec-v2", {});
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.counter, new ArrayBuffer(12));
    prefs.corrupt(SECURITY_DOMAIN, SECURITY_KEYS.counterCopy, new ArrayBuffer(3));
    const peer = new HostNode({ air, board: "heltec-v3", name: "peer", id: 0x0b, position: { x: 200, y: 0 }, preferences: prefsWith("heltec-v3", {}) });
    const node = new HostNode({ air, board: "heltec-v2", name: "lost", id: 0x0a, position: { x: 0, y: 0 }, preferences: prefs });
    expect(node.output).toMatch(/error: frame counter mark damaged in both copies: this node will not transmit under this network key[^\r]*set key <a passphrase this network never used>/);
    clock.advance(2 * 60_000);
    expect(node.running.mesh!.runner.stats.sent).toBe(0);
    expect(node.running.mesh!.secure.stats.sealFailed).toBeGreaterThan(0);
    // It still hears its neighbour, and its console says once why nothing goes out.
    expect(node.running.mesh!.node.neighbours(clock.now()).map((n) => n.id)).toEqual([0x0b]);
    expect(node.output.match(/warning: security: frame of type \d not sent/g)?.length ?? 0).toBeLessThanOrEqual(3);
    expect(answer(node, "send 0000000b hi")).toMatch(/queued|not sent/);
    expect(peer.output).not.toContain("hi\r\n");
    // A reboot does not help (it would be a guess)…
    expect(reboot(node)).toMatch(/error: frame counter mark damaged/);
    // …a new key does: the whole network moves to it (here: both nodes).
    for (const n of [node, peer]) {
      expect(answer(n, "set key a brand new passphrase")).toMatch(/^key = set/);
      n.type("reboot");
    }
    clock.advance(1000);
    const boot = lastBoot(node);
    expect(boot).toMatch(/warning: frame counter restarted at 0 under the new network key/);
    expect(boot).not.toMatch(/error/);
    clock.advance(2 * 60_000);
    expect(node.running.mesh!.runner.stats.sent).toBeGreaterThan(0);
    expect(peer.running.mesh!.node.neighbours(clock.now()).map((n) => n.id)).toEqual([0x0a]);
  });
});

describe("pinned peer keys in Preference (src/app/peer-store.ts)", () => {
  test("a pin with its DM mark survives a reload; a damaged record is skipped and reported", async () => {
    const { PreferencePeerStore, PEER_DOMAIN } = await import("../../src/app/peer-store");
    const { PeerKeys } = await import("../../src/core/security/peer-keys");
    const prefs = new HostPreference();
    const store = new PreferencePeerStore(prefs);
    const peer = new PeerKeys(9, new Uint8Array(32).fill(9));
    const me = new PeerKeys(3, new Uint8Array(32).fill(3), { store });
    expect(me.learn(9, peer.publicKey)).toBe("new");
    expect(me.pin(9, 1234)).toBe(true);
    prefs.set(PEER_DOMAIN, "0000000a", new Uint8Array(44).buffer as ArrayBuffer); // damaged
    const reloaded = new PreferencePeerStore(prefs);
    const again = new PeerKeys(3, new Uint8Array(32).fill(3), { store: reloaded });
    expect(again.isPinned(9)).toBe(true);
    expect(again.dmMarkOf(9)).toBe(1234);
    expect(toHex(again.publicKeyOf(9) as Uint8Array)).toBe(toHex(peer.publicKey));
    expect(reloaded.damaged).toEqual(["0000000a"]);
    expect(again.learn(9, new PeerKeys(9, new Uint8Array(32).fill(7)).publicKey)).toBe("conflict");
  });
});
