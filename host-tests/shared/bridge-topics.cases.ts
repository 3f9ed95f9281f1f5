// The bridge's topics, network tag and presence record (src/core/bridge/topics.ts): names the
// transport and the simulator build on, and a record decoder that refuses anything but one
// well-formed record.
import { BRIDGE_MAX_CLUSTERS, BRIDGE_MAX_FRAME, clusterTopic, decodePresence, encodePresence, networkTag, networkTagOfKey, parseTopic, presenceTopic, PRESENCE_MAX_BYTES } from "../../src/core/bridge/topics";
import { resolveConfig } from "../../src/core/config";
import { MAX_FRAME_BYTES } from "../../src/core/frames";
import { networkKeys } from "../../src/core/security/keys";
import { suite } from "./harness";

const KEY_A = new Uint8Array(32).fill(1);
const KEY_B = new Uint8Array(32).fill(2);

export default suite("bridge topics", {
  "the network tag is 8 hex digits of the key's public id, different per key"(t) {
    const a = networkTagOfKey(KEY_A);
    t.ok(/^[0-9a-f]{8}$/.test(a), a);
    t.equal(a, networkTag(networkKeys(KEY_A).netId));
    t.notEqual(a, networkTagOfKey(KEY_B));
    t.equal(networkTag(0x0000abcd), "0000abcd");
    t.throws(() => networkTagOfKey(new Uint8Array(16)), /32 bytes/);
  },
  "cluster and presence topics, and parseTopic reading them back"(t) {
    t.equal(clusterTopic("0a1b2c3d", "u33d"), "s5/0a1b2c3d/c/u33d");
    t.equal(presenceTopic("0a1b2c3d", 0x12ab), "s5/0a1b2c3d/gw/000012ab");
    t.equal(presenceTopic("0a1b2c3d", "+"), "s5/0a1b2c3d/gw/+");
    t.deepEqual(parseTopic("s5/0a1b2c3d/c/u33d"), { kind: "cluster", net: "0a1b2c3d", cluster: "u33d" });
    t.deepEqual(parseTopic("s5/0a1b2c3d/gw/000012ab"), { kind: "presence", net: "0a1b2c3d", gateway: 0x12ab });
    t.throws(() => clusterTopic("0a1b2c3d", "u33dxyz"), /cluster prefix/);
    t.throws(() => clusterTopic("0a1b2c3d", "a"), /cluster prefix/, "a is not a geohash letter");
    t.throws(() => clusterTopic("NET", "u3"), /network tag/);
    t.throws(() => presenceTopic("0a1b2c3d", 0), /gateway id/);
  },
  "parseTopic refuses anything else without throwing"(t) {
    for (const bad of ["", "s5", "s5/0a1b2c3d/c/", "s5/0a1b2c3d/c/u33d/x", "s6/0a1b2c3d/c/u3", "s5/0A1B2C3D/c/u3", "s5/0a1b2c3d/gw/00000000", "s5/0a1b2c3d/gw/ffffffff", "s5/0a1b2c3d/gw/12", "s5/0a1b2c3d/x/u3", "s5/0a1b2c3d/c/aaaa", 42, undefined]) {
      t.equal(parseTopic(bad), undefined, String(bad));
    }
  },
  "a presence record round-trips, online and as the last-will"(t) {
    const on = { gateway: 0xdeadbeef, up: true, clusters: ["u33d", "u3", "9q8yy"] };
    const bytes = encodePresence(on);
    t.equal(bytes.length, 7 + 4 * 3);
    t.deepEqual(Array.from(bytes.subarray(0, 7)), [1, 1, 0xef, 0xbe, 0xad, 0xde, 3]);
    t.deepEqual(decodePresence(bytes), on);
    const will = { gateway: 0xdeadbeef, up: false, clusters: [] };
    t.deepEqual(decodePresence(encodePresence(will)), will);
    t.throws(() => encodePresence({ gateway: 5, up: true, clusters: new Array(BRIDGE_MAX_CLUSTERS + 1).fill("u3") }), /at most/);
    t.throws(() => encodePresence({ gateway: 5, up: true, clusters: ["bad!"] }), /cluster prefix/);
  },
  "decodePresence refuses every malformed record"(t) {
    const good = encodePresence({ gateway: 7, up: true, clusters: ["u33d"] });
    const mutate = (i: number, v: number): Uint8Array => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    t.equal(decodePresence(good.subarray(0, good.length - 1)), undefined, "truncated");
    t.equal(decodePresence(new Uint8Array([...good, 0])), undefined, "trailing byte");
    t.equal(decodePresence(mutate(0, 2)), undefined, "version");
    t.equal(decodePresence(mutate(1, 3)), undefined, "reserved flag");
    t.equal(decodePresence(mutate(6, 2)), undefined, "count beyond the bytes");
    t.equal(decodePresence(mutate(2, 0).fill(0, 2, 6)), undefined, "gateway 0");
    t.equal(decodePresence(mutate(7, 0).fill(0, 7, 11)), undefined, "cluster 0");
    t.equal(decodePresence(mutate(7, 0x10)), undefined, "no stop bit at a 5-bit boundary");
    t.equal(decodePresence(new Uint8Array(PRESENCE_MAX_BYTES + 1)), undefined, "oversized");
    t.equal(decodePresence("not bytes"), undefined);
    // Every single-byte change either still decodes to some record or is refused; never throws.
    for (let i = 0; i < good.length; i++) for (let v = 0; v < 256; v += 17) decodePresence(mutate(i, v));
  },
  "the bridge carries frames no bigger than the air's"(t) {
    t.equal(BRIDGE_MAX_FRAME, MAX_FRAME_BYTES);
  },
  "gateway configuration: defaults, and bad prefixes refused"(t) {
    const c = resolveConfig({});
    t.equal(c.gateway, false);
    t.deepEqual(c.bridgeClusters, []);
    t.ok(resolveConfig({ gateway: true, bridgeClusters: ["u33d", "u3"] }).gateway);
    t.throws(() => resolveConfig({ bridgeClusters: ["u33d", "nope!"] }), /bridgeClusters/);
    t.throws(() => resolveConfig({ bridgeClusters: new Array(9).fill("u3") }), /at most 8/);
    t.throws(() => resolveConfig({ bridgeLoss: 1 }), /bridgeLoss/);
  },
});
