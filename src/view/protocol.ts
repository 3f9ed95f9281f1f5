// Messages between the page and its Web Worker (structured-clone plain objects).
import type { NodeReport, Tick, Topology } from "./session";

export type ToWorker =
  | { readonly type: "setup"; readonly json: unknown; readonly routers: readonly string[]; readonly seed: number }
  | { readonly type: "advance"; readonly toMs: number }
  | { readonly type: "kill" | "revive"; readonly node: number }
  | { readonly type: "send"; readonly src: number; readonly dst: number }
  | { readonly type: "inspect"; readonly panel: number; readonly node: number }
  | { readonly type: "builtin"; readonly name: string };

export type FromWorker =
  | { readonly type: "hello"; readonly routers: { name: string; description: string }[]; readonly scenarios: { name: string; nodes: number; description: string }[] }
  | { readonly type: "ready"; readonly topology: Topology; readonly routers: readonly string[]; readonly seed: number; readonly tick: Tick }
  | { readonly type: "tick"; readonly tick: Tick }
  | { readonly type: "inspect"; readonly report: NodeReport }
  | { readonly type: "builtin"; readonly name: string; readonly json: unknown }
  | { readonly type: "error"; readonly message: string };
