// Runs the shared test suites on the XS engine: bundle host-tests/xs/main.ts into a classic script,
// run it with xsnap (scripts/xs.mjs), echo its output, and fail unless it printed a clean
// "XS: N passed, 0 failed" line.
import { runBundledOnXs } from "./xs.mjs";

const run = await runBundledOnXs("host-tests/xs/main.ts");
process.stdout.write(run.stdout ?? "");
process.stderr.write(run.stderr ?? "");
const summary = /XS: (\d+) passed, (\d+) failed/.exec(run.stdout ?? "");
if (run.status !== 0 || summary === null || summary[2] !== "0" || summary[1] === "0") {
  process.stderr.write(`xs: test run failed (exit ${run.status}${summary ? "" : ", no summary line"})\n`);
  process.exit(1);
}
