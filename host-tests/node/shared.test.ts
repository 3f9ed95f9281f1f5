// Runs the shared suites under vitest. host-tests/xs/main.ts runs the same suites on XS.
import { describe, test } from "vitest";
import { assert } from "../shared/harness";
import { sharedSuites } from "../shared/index";

for (const s of sharedSuites) {
  describe(`[shared] ${s.name}`, () => {
    for (const c of s.cases) test(c.name, () => c.run(assert));
  });
}
