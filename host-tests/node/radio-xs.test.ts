// The drivers run unchanged on XS: the same scenario (both drivers on their emulators, the air and
// the virtual clock) runs under xsnap (XS 13, what the project's XS tests use) and must give
// exactly the result it gives on Node.
import { expect, test } from "vitest";
import { runScenario } from "./radio-scenario";
import { runOnXs } from "./xs-run";

test("the radio scenario gives the same result on XS as on Node", async () => {
  const onXs = await runOnXs("radio-scenario.xs.ts", "SCENARIO");
  const onNode = runScenario();
  expect(onNode.received.length).toBeGreaterThanOrEqual(4);
  expect(onNode.cad).toEqual([false, true]);
  expect(onNode.violations).toEqual([]);
  expect(onXs).toEqual(JSON.parse(JSON.stringify(onNode)));
});
