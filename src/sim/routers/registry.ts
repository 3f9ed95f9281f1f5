// Router registry keyed by the CLI names. The baselines register themselves here; System 5's
// MeshNode is registered by the core's owner with registerRouter("system5", factory).
import type { RouterFactory } from "./context";
import { MeshCoreStation, floodMaxParam } from "./meshcore";
import { MeshtasticStation } from "./meshtastic";
import { NextHopStation } from "./nexthop";

export const ROUTER_NAMES = ["flood", "managed3", "managed5", "managed7", "nexthop", "meshcore", "system5"] as const;
export type RouterName = (typeof ROUTER_NAMES)[number];

export interface RouterEntry {
  readonly name: string;
  readonly description: string;
  readonly factory: RouterFactory;
}

const registry = new Map<string, RouterEntry>();

export function registerRouter(name: string, description: string, factory: RouterFactory): void {
  registry.set(name, { name, description, factory });
}

export function routerEntry(name: string): RouterEntry | undefined {
  return registry.get(name);
}

export function isKnownRouterName(name: string): boolean {
  return (ROUTER_NAMES as readonly string[]).includes(name) || registry.has(name);
}

/** Registered routers, in CLI order, then any extras. */
export function registeredRouters(): RouterEntry[] {
  const order = new Map<string, number>(ROUTER_NAMES.map((n, i) => [n, i]));
  return [...registry.values()].sort((a, b) => (order.get(a.name) ?? 99) - (order.get(b.name) ?? 99) || a.name.localeCompare(b.name));
}

function hopLimitParam(params: Readonly<Record<string, unknown>>, fallback: number): number {
  const h = params.hopLimit;
  return typeof h === "number" && Number.isInteger(h) && h >= 0 && h <= 7 ? h : fallback;
}

registerRouter("flood", "naive flooding: every node relays each packet once", (ctx) => new MeshtasticStation(ctx, { mode: "naive", hopLimit: 7 }));
for (const h of [3, 5, 7]) {
  registerRouter(`managed${h}`, `Meshtastic managed flooding, hop limit ${h}`, (ctx) => new MeshtasticStation(ctx, { mode: "managed", hopLimit: h }));
}
registerRouter("nexthop", "Meshtastic next-hop routing for DMs (managed flooding otherwise)", (ctx) => new NextHopStation(ctx, hopLimitParam(ctx.params, 3)));
registerRouter(
  "meshcore",
  "MeshCore: only repeaters relay; DMs flood first, then go direct along the learnt path",
  (ctx) => new MeshCoreStation(ctx, { repeater: ctx.repeater ?? ctx.role === "ROUTER", floodMax: floodMaxParam(ctx.params) }),
);
