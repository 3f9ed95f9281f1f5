// Worker-thread entry (bundled as dist/sim-worker.mjs): runs tasks the main thread posts.
import { parentPort } from "node:worker_threads";
import { runTask } from "./run";
import type { Task } from "./run";

parentPort?.on("message", (m: { index: number; task: Task }) => {
  try {
    let last = 0;
    const result = runTask(m.task, (f) => {
      if (f - last >= 0.02) {
        last = f;
        parentPort?.postMessage({ index: m.index, progress: f });
      }
    });
    parentPort?.postMessage({ index: m.index, result });
  } catch (e) {
    parentPort?.postMessage({ index: m.index, error: e instanceof Error ? e.message : String(e) });
  }
});
