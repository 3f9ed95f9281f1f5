// Router registry keyed by the CLI names. The baselines register themselves here; System 5's
// MeshNode is registered by the core's owner with registerRouter("system5", factory).
import type { FrameClass, RouterFactory } from "./context";
import { baselineFrameClass, decodeFrame } from "./header";
import { MeshCoreStation, floodMaxParam } from "./meshcore";
import { meshcoreFrameClass } from "./meshcore-frame";
import { MeshtasticStation } from "./meshtastic";
import { gatewayIf } from "./mqtt-gateway";
import { NextHopStation } from "./nexthop";

export const ROUTER_NAMES = ["flood", "managed3", "managed5", "managed7", "nexthop", "meshcore", "system5"] as const;
export type RouterName = (typeof ROUTER_NAMES)[number];

/** What the simulator may ask a router family besides its stations (all optional). */
export interface RouterExtras {
  /**
   * The node a frame on the air is addressed to (the final destination of a unicast, or the node
   * a location query looks for), or undefined: to account airtime spent on dead destinations.
   * It reads the frame as `readable` below gives it (already opened when sealed).
   */
  readonly destinationOf?: (bytes: Uint8Array, params: Readonly<Record<string, unknown>>) => number | undefined;
  /**
   * The frame as any node of the network can read it (a sealed frame opened with the network
   * key), or undefined; without it the frame's bytes are read as they are. The physical limit's
   * broadcast count looks in it for the message a transmission carries.
   */
  readonly readable?: (bytes: Uint8Array, params: Readonly<Record<string, unknown>>) => Uint8Array | undefined;
  /**
   * The airtime breakdown's classifier (`sim --breakdown`): the frame's kind in the router's own
   * terms and whether `sender` (the transmitting node's id) originated or relays it. It reads the
   * frame as `readable` gives it (undefined: the frame could not be read).
   */
  readonly frameClass?: (bytes: Uint8Array | undefined, sender: number, params: Readonly<Record<string, unknown>>) => FrameClass;
  /**
   * The frame kinds (as `frameClass` names them) issue 13's control target counts: the router's
   * beacons and location traffic, not its ACKs or key frames. With them every run measures
   * `ogmLocationShareLate` (docs/simulator.md §Metrics); without them that metric is null.
   */
  readonly ogmLocationKinds?: readonly string[];
  /**
   * Node ids derived from node keys (docs/security.md §7.3): the simulator draws each node's
   * X25519 secret from the run's id generator and gives it the key id as its id.
   */
  readonly keyedIds?: boolean;
  /** One line for reports: the settings a run of this router used (tables, security …). */
  readonly describe?: (params: Readonly<Record<string, unknown>>) => string;
}

export interface RouterEntry extends RouterExtras {
  readonly name: string;
  readonly description: string;
  readonly factory: RouterFactory;
}

const registry = new Map<string, RouterEntry>();

export function registerRouter(name: string, description: string, factory: RouterFactory, extras: RouterExtras = {}): void {
  registry.set(name, { name, description, factory, ...extras });
}

export function routerEntry(name: string): RouterEntry | undefined {
  return registry.get(name);
}

/**
 * Whether a transmission (the frame as `readable` gives it, the sender's id) is one of the kinds
 * the router names for `ogmLocationShareLate` (RouterExtras.ogmLocationKinds, by its `frameClass`);
 * undefined when it names none. What the CLI's runs and the browser view hand the simulator.
 */
export function ogmLocationTest(entry: RouterExtras, params: Readonly<Record<string, unknown>>): ((bytes: Uint8Array | undefined, sender: number) => boolean) | undefined {
  const { frameClass, ogmLocationKinds } = entry;
  if (frameClass === undefined || ogmLocationKinds === undefined) return undefined;
  const counted = new Set(ogmLocationKinds);
  return (bytes, sender) => counted.has(frameClass(bytes, sender, params).kind);
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

/** The baselines' frames: the header's `to` (broadcast and ACKs to live originators are harmless). */
const baselineDestination = (bytes: Uint8Array): number | undefined => decodeFrame(bytes)?.to;

const baseline = { destinationOf: baselineDestination, frameClass: baselineFrameClass };
registerRouter("flood", "naive flooding: every node relays each packet once", (ctx) => gatewayIf(ctx.gateway, new MeshtasticStation(ctx, { mode: "naive", hopLimit: 7 })), baseline);
for (const h of [3, 5, 7]) {
  registerRouter(`managed${h}`, `Meshtastic managed flooding, hop limit ${h}`, (ctx) => gatewayIf(ctx.gateway, new MeshtasticStation(ctx, { mode: "managed", hopLimit: h })), baseline);
}
registerRouter("nexthop", "Meshtastic next-hop routing for DMs (managed flooding otherwise)", (ctx) => gatewayIf(ctx.gateway, new NextHopStation(ctx, hopLimitParam(ctx.params, 3))), baseline);
registerRouter(
  "meshcore",
  "MeshCore: only repeaters relay; DMs flood first, then go direct along the learnt path",
  (ctx) => new MeshCoreStation(ctx, { repeater: ctx.repeater ?? ctx.role === "ROUTER", floodMax: floodMaxParam(ctx.params) }),
  { frameClass: meshcoreFrameClass },
);
