// The firmware application (boot, settings, console, GPS parser, mesh runner, the core) runs on
// XS, the device's engine, exactly as on Node: the same two-board scenario gives byte-identical
// consoles under xsnap (XS 13) and Node.
import { expect, test } from "vitest";
import { runAppScenario } from "./app-scenario";
import { runOnXs } from "./xs-run";

test("the app scenario prints the same consoles on XS as on Node, and it did what it should", async () => {
  const onNode = runAppScenario();
  const [a, b] = onNode.consoles;
  expect(a).toMatch(/radio: sx1262 EU868 SHORT_FAST/);
  expect(b).toMatch(/\[dm\] 000000a1 → 000000b2 \(1 hop\): grüß dich/);
  expect(a).toMatch(/\[ack\] #\d+ to 000000b2 arrived \(1 hop\)/);
  expect(b).toMatch(/rebooting…[\s\S]*name = valley/);
  expect(a).toMatch(/cluster\s+u281\r\n/);
  const onXs = await runOnXs("app-scenario.xs.ts", "APP");
  expect(onXs).toEqual(JSON.parse(JSON.stringify(onNode)));
}, 120_000);
