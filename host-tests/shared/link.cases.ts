import { DEFAULT_CONFIG, resolveConfig } from "../../src/core/config";
import { OgmWindow, seqDelta, seqNewer } from "../../src/core/link-quality";
import { addMetric, isFeasible, linkCost, updatedFeasibility } from "../../src/core/metric";
import { METRIC_INFINITY } from "../../src/core/frames";
import { suite } from "./harness";

const I = 30_000;

export default suite("link sensing and metric", {
  "16-bit sequence arithmetic wraps"(t) {
    t.equal(seqDelta(0, 65535), 1);
    t.equal(seqDelta(65535, 0), -1);
    t.ok(seqNewer(3, 65534));
    t.ok(!seqNewer(5, 5));
  },
  "a new neighbour starts at 0.5 and reaches 1.0 after consecutive OGMs"(t) {
    const w = new OgmWindow(8);
    w.record(100, 0);
    t.equal(w.rq(0, I, 2), 0.5);
    w.record(101, I);
    t.equal(w.rq(I, I, 2), 1);
  },
  "missed OGMs lower rq; the window forgets after 8"(t) {
    const w = new OgmWindow(8);
    let s = 0;
    for (let i = 0; i < 8; i++) w.record(s++, i * I);
    t.equal(w.rq(7 * I, I, 2), 1);
    s += 2; // two lost
    w.record(s++, 10 * I);
    t.equal(w.rq(10 * I, I, 2), 6 / 8);
    for (let i = 0; i < 8; i++) w.record(s++, (11 + i) * I);
    t.equal(w.rq(18 * I, I, 2), 1);
  },
  "overdue OGMs count as missed without new frames"(t) {
    const w = new OgmWindow(8);
    for (let i = 0; i < 8; i++) w.record(i, i * I);
    t.equal(w.rq(7 * I + 1.2 * I, I, 2), 1, "within 1.25 intervals nothing is missed");
    t.equal(w.rq(7 * I + 2.6 * I, I, 2), 6 / 8, "two intervals overdue");
    t.equal(w.rq(7 * I + 10 * I * 1.25, I, 2), 0, "silent for a whole window");
  },
  "duplicates, late arrivals and restarts"(t) {
    const w = new OgmWindow(8);
    t.equal(w.record(10, 0), "first");
    t.equal(w.record(12, 2 * I), "new");
    t.equal(w.record(12, 2 * I), "duplicate");
    t.equal(w.record(11, 2 * I), "late");
    t.equal(w.record(40000, 3 * I), "restart");
    t.equal(w.rq(3 * I, I, 2), 0.5);
  },
  "link cost is ETX in 1/256 plus the hop penalty; unusable links are infinite"(t) {
    t.equal(linkCost(1, 0.2, 32), 288);
    t.equal(linkCost(0.5, 0.2, 32), 544);
    t.equal(linkCost(0.19, 0.2, 32), METRIC_INFINITY);
    t.equal(addMetric(100, 288), 388);
    t.equal(addMetric(METRIC_INFINITY, 1), METRIC_INFINITY);
    t.equal(addMetric(65000, 1000), METRIC_INFINITY - 1, "saturates below infinity");
  },
  "Babel feasibility: newer seqno, or same seqno and strictly smaller metric"(t) {
    const fd = { seqno: 10, metric: 500 };
    t.ok(isFeasible({ seqno: 11, metric: 9000 }, fd), "newer seqno");
    t.ok(isFeasible({ seqno: 10, metric: 499 }, fd), "same seqno, smaller");
    t.ok(!isFeasible({ seqno: 10, metric: 500 }, fd), "same seqno, equal");
    t.ok(!isFeasible({ seqno: 9, metric: 1 }, fd), "older seqno");
    t.ok(isFeasible({ seqno: 9, metric: METRIC_INFINITY }, fd), "retraction");
    t.ok(isFeasible({ seqno: 0, metric: 1 }, { seqno: 65535, metric: 10 }), "newer across the wrap");
    t.deepEqual(updatedFeasibility(fd, { seqno: 10, metric: 300 }), { seqno: 10, metric: 300 });
    t.deepEqual(updatedFeasibility(fd, { seqno: 10, metric: 700 }), fd);
    t.deepEqual(updatedFeasibility(fd, { seqno: 11, metric: 700 }), { seqno: 11, metric: 700 });
  },
  "configuration: defaults resolve, bad values are listed"(t) {
    t.equal(resolveConfig().geohashPrecision, DEFAULT_CONFIG.geohashPrecision);
    t.equal(resolveConfig({ geohashPrecision: 5 }).geohashPrecision, 5);
    t.throws(() => resolveConfig({ geohashPrecision: 9 }), /geohashPrecision must be an integer 1\.\.6/);
    t.throws(() => resolveConfig({ weightQuality: 0.9 }), /weights must sum to 1/);
    t.throws(() => resolveConfig({ nonsense: 1 } as never), /unknown setting "nonsense"/);
  },
});
