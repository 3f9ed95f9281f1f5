// Entry of the XS test bundle (scripts/xs-test.mjs bundles it with esbuild as a classic script).
// XS 13 in @agoric/xsnap has print() but no console; an uncaught throw exits with status 5.
import { runSuites } from "../shared/harness";
import { sharedSuites } from "../shared/index";

declare const print: (...args: unknown[]) => void;

const result = runSuites(sharedSuites);
for (const f of result.failures) print(`FAIL ${f}`);
print(`XS: ${result.passed} passed, ${result.failed} failed`);
if (result.failed > 0) throw new Error(`${result.failed} XS test(s) failed`);
