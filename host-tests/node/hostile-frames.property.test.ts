// Issue 14: no frame a network-key holder can send makes the core throw. About 10^4 validly
// sealed frames with hostile field values at a secured MeshNode and a bare one (src/sim/hostile-fuzz.ts);
// `npm run bench fuzz` runs 10^6.
import { expect, test } from "vitest";
import { hostileFuzz } from "../../src/sim/hostile-fuzz";

test("10^4 hostile frames sealed with the network key: no throw from MeshNode or SecureStation", () => {
  const r = hostileFuzz(100, 100, 14);
  expect(r.failure).toBeUndefined();
  expect(r.frames).toBe(10_000);
}, 120_000);
