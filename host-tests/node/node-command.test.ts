// `system5 node` option checks and the node it builds (the real-time loop itself is exercised by
// hand; see the README).
import { describe, expect, test } from "vitest";
import { buildCliNode, type NodeCommandOptions } from "../../src/cli/node-command";

const BASE: NodeCommandOptions = { board: "tbeam", id: "0a1b2c3d", seed: 1 };

function build(o: Partial<NodeCommandOptions>) {
  let out = "";
  const node = buildCliNode({ ...BASE, ...o }, (t) => (out += t));
  return { node, output: () => out };
}

describe("system5 node", () => {
  test("boots the board with the id, the stored preset and a GPS fix", () => {
    const { node, output } = build({ chip: "sx1262", preset: "SHORT_FAST", lat: 48.1374, lon: 11.5755 });
    node.clock.advance(1_500);
    node.type("status");
    node.clock.advance(10);
    expect(output()).toMatch(/node 0a1b2c3d \(mac\)/);
    expect(output()).toMatch(/radio: sx1262 EU868 SHORT_FAST/);
    expect(output()).toMatch(/cluster\s+u281\r\n/);
    node.stop();
  });

  test.each([
    [{ board: "tbeam-s3" }, /unknown board "tbeam-s3"; known: heltec-v2, tbeam, heltec-v3/],
    [{ board: "heltec-v3", chip: "sx1276" }, /--chip sx1276: Heltec WiFi LoRa 32 V3 carries sx1262/],
    [{ id: "ffffffff" }, /--id: "ffffffff" is not a node id/],
    [{ lat: 48 }, /--lat and --lon go together/],
    [{ board: "heltec-v3", lat: 48, lon: 11 }, /--lat\/--lon: Heltec WiFi LoRa 32 V3 has no GPS/],
    [{ preset: "LONG_TURBO" }, /--preset: preset LONG_TURBO \(500 kHz\) does not fit the EU868 channel/],
    [{ region: "EU433" }, /--region: unknown region "EU433"/],
  ] as const)("refuses %o with a message that says what to fix", (bad, message) => {
    expect(() => build(bad as Partial<NodeCommandOptions>)).toThrow(message);
  });
});
