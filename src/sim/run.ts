// Runs a batch of (scenario, router, seed) simulations, on worker threads when the bundled
// worker is available (two cores here), else in this thread. Results are keyed by task, so the
// output is the same whichever thread ran what.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { RunRecord } from "./aggregate";
import { runSimulation } from "./engine/simulation";
import { ogmLocationTest, routerEntry } from "./routers/registry";
import "./routers/plugins";
import type { FrameClass } from "./routers/context";
import type { Scenario } from "./scenario/schema";

export interface Task {
  readonly scenario: Scenario;
  readonly router: string;
  readonly seed: number;
  /** Tally window airtime by frame kind (`sim --breakdown`): the record then has `breakdown`. */
  readonly breakdown?: boolean;
}

export interface BatchOptions {
  /** Threads to use; default: the machine's cores (1 = run here). */
  readonly threads?: number;
  /** Progress: share of all simulated time done, 0..1. */
  readonly onProgress?: (fraction: number) => void;
}

/** Runs one task in this thread. */
export function runTask(task: Task, onProgress?: (f: number) => void): RunRecord {
  const entry = routerEntry(task.router);
  if (!entry) throw new Error(`router "${task.router}" is not registered`);
  const t0 = performance.now();
  const params = task.scenario.routerParams[task.router] ?? {};
  const { destinationOf, readable, frameClass } = entry;
  const r = runSimulation({
    scenario: task.scenario,
    routerName: task.router,
    factory: entry.factory,
    seed: task.seed,
    onProgress,
    keyedIds: entry.keyedIds,
    destinationOf: destinationOf && ((bytes) => destinationOf(bytes, params)),
    readable: readable && ((bytes) => readable(bytes, params)),
    frameClass: task.breakdown === true ? (frameClass === undefined ? unclassified : (bytes, sender) => frameClass(bytes, sender, params)) : undefined,
    ogmLocation: ogmLocationTest(entry, params),
  });
  return {
    scenario: task.scenario.name,
    router: task.router,
    seed: task.seed,
    settings: entry.describe?.(params),
    reception: task.scenario.physics.reception,
    nodes: task.scenario.nodeCount,
    meanDegree: r.meanDegree,
    metrics: r.metrics,
    perNodeAirtimeS: r.perNodeAirtimeS,
    wallMs: performance.now() - t0,
    ...(r.breakdown ? { breakdown: r.breakdown } : {}),
    ...(r.internet ? { internet: r.internet } : {}),
  };
}

/** A router without a classifier: every frame one kind, its role unknown. */
const unclassified = (): FrameClass => ({ kind: "unclassified", role: "other" });

// Relative cost of a task for progress and scheduling: nodes × simulated seconds.
function weight(t: Task): number {
  const s = t.scenario;
  return s.nodeCount * (s.timing.warmupS + s.timing.durationS + s.timing.drainS);
}

function workerFile(): string | undefined {
  try {
    const here = fileURLToPath(import.meta.url);
    if (!here.endsWith(".mjs")) return undefined;
    const f = here.replace(/[^/\\]+$/, "sim-worker.mjs");
    return existsSync(f) ? f : undefined;
  } catch {
    return undefined;
  }
}

export async function runBatch(tasks: readonly Task[], opts: BatchOptions = {}): Promise<RunRecord[]> {
  const total = tasks.reduce((a, t) => a + weight(t), 0) || 1;
  const progress = new Float64Array(tasks.length);
  const report = () => {
    if (!opts.onProgress) return;
    let done = 0;
    for (let i = 0; i < tasks.length; i++) done += progress[i] * weight(tasks[i]);
    opts.onProgress(done / total);
  };
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), tasks.length));
  const file = threads > 1 ? workerFile() : undefined;
  const results: RunRecord[] = new Array(tasks.length);
  if (!file) {
    tasks.forEach((t, i) => {
      results[i] = runTask(t, (f) => {
        progress[i] = f;
        report();
      });
      progress[i] = 1;
      report();
    });
    return results;
  }
  // Biggest first, so the last task to finish is a short one.
  const order = tasks.map((_, i) => i).sort((a, b) => weight(tasks[b]) - weight(tasks[a]) || a - b);
  let next = 0;
  await Promise.all(
    Array.from({ length: threads }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(file);
        const feed = () => {
          if (next >= order.length) {
            void w.terminate();
            resolve();
            return;
          }
          const i = order[next++];
          w.postMessage({ index: i, task: tasks[i] });
        };
        w.on("message", (m: { index: number; progress?: number; result?: RunRecord; error?: string }) => {
          if (m.error !== undefined) {
            void w.terminate();
            reject(new Error(m.error));
            return;
          }
          if (m.result) {
            results[m.index] = m.result;
            progress[m.index] = 1;
            report();
            feed();
          } else if (m.progress !== undefined) {
            progress[m.index] = m.progress;
            report();
          }
        });
        w.on("error", reject);
        feed();
      }),
    ),
  );
  return results;
}
