import { DutyLedger } from "../../src/core/duty-ledger";
import { suite } from "./harness";

const HOUR = 3_600_000;

export default suite("duty-ledger", {
  "1% plan: 36 s per hour, 10% of it held back for P0"(t) {
    const l = new DutyLedger({ dutyCycle: 0.01 });
    t.equal(l.budgetMs, 36_000);
    t.equal(l.availableMs(0, 3), 36_000 * 0.9);
    t.equal(l.availableMs(0, 0), 36_000);
  },
  "refuses a start that would exceed the plan, P0 may use the reserve"(t) {
    const l = new DutyLedger({ dutyCycle: 0.01 });
    for (let i = 0; i < 16; i++) l.record(i * 10_000, 2_000); // 32 s in the first 160 s
    t.equal(l.usedMs(200_000), 32_000);
    t.ok(l.allows(200_000, 400, 3), "0.4 s fits under 32.4 s");
    t.ok(!l.allows(200_000, 1_000, 3), "1 s would pass the 32.4 s non-SOS cap");
    t.ok(l.allows(200_000, 3_000, 0), "P0 may reach 36 s");
    t.ok(!l.allows(200_000, 4_100, 0), "not even P0 beyond the plan");
  },
  "airtime leaves the window after an hour (conservatively, within one bucket)"(t) {
    const l = new DutyLedger({ dutyCycle: 0.01 });
    l.record(1_000, 30_000);
    t.equal(l.usedMs(HOUR), 30_000, "still inside the window");
    t.equal(l.usedMs(1_000 + 30_000 + HOUR + 1), 0, "gone once the transmission's end left the window");
  },
  "earliestStart says when the budget frees up"(t) {
    const l = new DutyLedger({ dutyCycle: 0.01 });
    l.record(0, 32_000);
    const at = l.earliestStart(60_000, 2_000, 3);
    t.ok(at > 60_000 && at <= 32_000 + HOUR, `free again by ${at}`);
    t.ok(l.allows(at, 2_000, 3));
    t.equal(l.earliestStart(0, 40_000, 3), Infinity, "a frame longer than the budget never fits");
  },
  "a 10% plan and an unlimited plan"(t) {
    t.equal(new DutyLedger({ dutyCycle: 0.1 }).budgetMs, 360_000);
    const us = new DutyLedger({ dutyCycle: 1 });
    us.record(0, 1e9);
    t.ok(us.allows(1, 1e6, 7));
  },
  "never under-counts against an exact rolling sum"(t) {
    // Deterministic pseudo-random transmissions; compare with the exact overlap sum.
    const l = new DutyLedger({ dutyCycle: 0.01 });
    const tx: Array<[number, number]> = [];
    let x = 12345;
    let now = 0;
    for (let i = 0; i < 400; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      now += 1_000 + (x % 60_000);
      const a = 50 + (x % 2_000);
      l.record(now, a);
      tx.push([now, a]);
      const probe = now + (x % 5_000);
      let exact = 0;
      for (const [s, d] of tx) exact += Math.max(0, Math.min(s + d, probe) - Math.max(s, probe - HOUR));
      t.ok(l.usedMs(probe) + 1e-6 >= exact, `at ${probe}: ledger ${l.usedMs(probe)} < exact ${exact}`);
    }
  },
  "bad plans are refused"(t) {
    t.throws(() => new DutyLedger({ dutyCycle: 0 }), /duty cycle/);
    t.throws(() => new DutyLedger({ dutyCycle: 1.5 }), /duty cycle/);
  },
});
