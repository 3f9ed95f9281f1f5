// System 5 in the simulator: the real src/core MeshNode, unchanged, behind the router factory.
// No global knowledge: the node gets only what a device gets (its id, position or none, battery,
// the network's modem and its sub-band's duty cycle) and learns everything else over the air.
import { decodeFrame } from "../../core/codec";
import { DEFAULT_CONFIG, DEVICE_LIMITS, type MeshConfig } from "../../core/config";
import { FrameType } from "../../core/frames";
import { MeshNode } from "../../core/mesh-node";
import { subBandFor } from "../../core/regions";
import { ascii } from "../../core/security/bytes";
import { MemoryCounterStore } from "../../core/security/frame-counter";
import { KEY_FRAME_TYPE, SEAL_OVERHEAD_BYTES, openFrame } from "../../core/security/frame-seal";
import { deriveSubkey, networkKeys } from "../../core/security/keys";
import { DEFAULT_MAX_CONTACTS } from "../../core/security/contacts";
import { SecureStation, type ContactEntry } from "../../core/security/secure-station";
import { splitLocateKey } from "../../core/security/locate-key";
import { BROADCAST, isUnicastId, type SendOptions } from "../../core/station";
import type { FrameClass, MobileStation, RouterContext } from "./context";
import { SealAirtime } from "./seal-airtime";

/**
 * `routerParams.system5.limits`: the core's table sizes. "device" (default) = DEVICE_LIMITS, what
 * the firmware runs on a board without PSRAM; "defaults" = the core's larger DEFAULT_CONFIG
 * tables, for what-if studies (single sizes can also be raised through `config`).
 */
function tableLimits(p: Readonly<Record<string, unknown>>): "device" | "defaults" {
  const v = p.limits ?? "device";
  if (v !== "device" && v !== "defaults") throw new Error(`routerParams.system5.limits: ${JSON.stringify(v)} is not "device" or "defaults"`);
  return v;
}

/** Scenario `routerParams.system5` keys that map onto MeshConfig, plus `silencing`. */
function configFrom(ctx: RouterContext): Partial<MeshConfig> {
  const p = ctx.params;
  const cfg: Partial<MeshConfig> = tableLimits(p) === "device" ? { ...DEVICE_LIMITS } : {};
  if (typeof p.geohashPrecision === "number") cfg.geohashPrecision = p.geohashPrecision;
  // The seed's Bay Area scenarios come with and without silencing; its "0.6" was a fraction in
  // the upstream simulator. Ours is the coverage rule of docs/protocol.md §12: on unless a
  // scenario turns it off.
  if (p.silencing === false) cfg.silencingEnabled = false;
  // A gateway of the scenario's internet runs the core's bridge role (docs/protocol.md "Bridge").
  if (ctx.gateway) cfg.gateway = true;
  if (ctx.gateway && ctx.gatewayClusters !== undefined && ctx.gatewayClusters.length > 0) cfg.bridgeClusters = ctx.gatewayClusters;
  const overrides = p.config;
  if (typeof overrides === "object" && overrides !== null) Object.assign(cfg, overrides as Partial<MeshConfig>);
  // Every frame is sealed (or, by default, charged as if sealed: seal-airtime.ts), so the node
  // reserves the seal's bytes in every frame; `seal: false` simulates an unsealed network.
  if (securityOf(p) !== "none") cfg.frameOverheadBytes = SEAL_OVERHEAD_BYTES;
  return cfg;
}

/**
 * How a simulated System 5 node is secured, from `routerParams.system5`:
 *   "dm"      (default) the real security layer, every unicast a private DM, as the firmware sends
 *             them: the first message to a node costs a routed key request and its answer, and
 *             each DM carries its envelope's bytes
 *   "plain"   the real layer with plain (network-key) unicasts: `dm: false`
 *   "airtime" the seal's bytes charged without its cryptography (seal-airtime.ts): `secure: false`
 *   "none"    an unsealed network: `seal: false`
 */
type Security = "dm" | "plain" | "airtime" | "none";

function securityOf(p: Readonly<Record<string, unknown>>): Security {
  if (p.seal === false) return "none";
  if (p.secure === false) return "airtime";
  return p.dm === false ? "plain" : "dm";
}

/** The settings line reports print for a System 5 run. */
export function describeSystem5(p: Readonly<Record<string, unknown>>): string {
  const tables = tableLimits(p) === "device" ? "device tables (DEVICE_LIMITS)" : "the core's default tables (larger than the device's)";
  const custom = typeof p.config === "object" && p.config !== null ? ` + config ${JSON.stringify(p.config)}` : "";
  const security = {
    dm: "unicasts as private DMs over the real security layer",
    plain: "real security layer, plain unicasts",
    airtime: "seal bytes charged without cryptography, plain unicasts",
    none: "unsealed frames",
  }[securityOf(p)];
  const contacts = p.contacts === true && securityOf(p) !== "none" && securityOf(p) !== "airtime" ? "; every node a contact (keys given, no first contact)" : "";
  const keys = [
    typeof p.keyOnBroadcastMs === "number" ? `keyOnBroadcastMs ${p.keyOnBroadcastMs}` : "",
    p.lookupCarriesKey === false ? "lookupCarriesKey off" : "",
  ].filter((k) => k !== "");
  return `${tables}${custom}; ${security}${contacts}${keys.length > 0 ? `; ${keys.join(", ")}` : ""}`;
}

const frameKeys = new Map<string, Uint8Array>();

/**
 * A System 5 frame as any node of the network can read it: a sealed frame opened with the
 * simulation's network key (undefined when it does not open), the seal bytes cut from a frame
 * charged for them, an unsealed frame as it is. For the simulator's accounting only.
 */
export function system5Readable(bytes: Uint8Array, p: Readonly<Record<string, unknown>>): Uint8Array | undefined {
  const security = securityOf(p);
  if (security === "none") return bytes;
  if (security === "airtime") return bytes.subarray(0, Math.max(0, bytes.length - SEAL_OVERHEAD_BYTES));
  const label = typeof p.secure === "string" ? p.secure : "";
  let key = frameKeys.get(label);
  if (key === undefined) frameKeys.set(label, (key = networkKeys(simNetworkKey(typeof p.secure === "string" ? p.secure : true)).frame));
  const r = openFrame(key, bytes);
  // A LOCATE_A may carry the target's key after the core's bytes (locate-key.ts): members read the core frame.
  return r.ok ? splitLocateKey(r.inner).frame : undefined;
}

/**
 * The node a System 5 frame is addressed to (routed DATA, hop ACK, corridor FLOOD, the target of
 * a location query), for the dead-destination accounting; `inner` is the frame as
 * system5Readable gives it.
 */
export function system5Destination(inner: Uint8Array): number | undefined {
  const d = decodeFrame(inner);
  if (!d.ok) return undefined;
  const f = d.frame;
  const to = f.type === FrameType.LOCATE_Q ? f.target : "dst" in f ? f.dst : undefined;
  return typeof to === "number" && isUnicastId(to) ? to : undefined;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, code]) => [code, name]));

/** Issue 13's control of System 5 (`ogmLocationShareLate`): OGMs and location queries and answers, not ACKs or KEY frames. */
export const SYSTEM5_OGM_LOCATION_KINDS: readonly string[] = ["OGM", "LOCATE_Q", "LOCATE_A"];

/**
 * The airtime breakdown's classes of a System 5 frame (docs/simulator.md §Airtime by frame kind),
 * `inner` as system5Readable gives it: the frame type's name (OGM, DATA, ACK, HOP_ACK, LOCATE_Q,
 * LOCATE_A, FLOOD, BCAST, SEQREQ, KEY). A frame carrying a source (src, a location query's asker)
 * is the sender's own when that source is the sender; OGMs, hop ACKs and key announcements are
 * never relayed; a seqno request is the sender's own while it carries the asker's full hop limit
 * (seqreqHops; each hop passes it on with one less).
 */
export function system5FrameClass(inner: Uint8Array | undefined, sender: number, p: Readonly<Record<string, unknown>>): FrameClass {
  if (inner === undefined) return { kind: "unreadable", role: "other" };
  if (inner.length > 0 && (inner[0] & 15) === KEY_FRAME_TYPE) return { kind: "KEY", role: "origin" };
  const d = decodeFrame(inner);
  if (!d.ok) return { kind: "undecodable", role: "other" };
  const f = d.frame;
  const own = (source: number): FrameClass["role"] => (source === sender ? "origin" : "relay");
  switch (f.type) {
    case FrameType.OGM:
      return { kind: "OGM", role: "origin" };
    case FrameType.ACK:
      return f.kind === "hop" ? { kind: "HOP_ACK", role: "origin" } : { kind: "ACK", role: own(f.src) };
    case FrameType.LOCATE_Q:
      return { kind: "LOCATE_Q", role: own(f.asker) };
    case FrameType.SEQREQ: {
      const overrides = typeof p.config === "object" && p.config !== null ? (p.config as Partial<MeshConfig>) : {};
      return { kind: "SEQREQ", role: f.ttl >= (overrides.seqreqHops ?? DEFAULT_CONFIG.seqreqHops) ? "origin" : "relay" };
    }
    default:
      return { kind: TYPE_NAMES.get(f.type) ?? `type${f.type}`, role: own(f.src) };
  }
}

/**
 * The network key of a secured simulation: HKDF of a label (no PBKDF2 per node: the key is not
 * secret here). RouterContext carries no scenario name, so `secure` may be the label itself;
 * `true` uses one fixed label, which measures the same costs.
 */
function simNetworkKey(secure: true | string): Uint8Array {
  return deriveSubkey(ascii(secure === true ? "system5 simulation" : secure), ascii("sim network key"));
}

/**
 * A System 5 node as the firmware runs it (securityOf above): by default the real security layer
 * (docs/security.md) with every unicast a private DM; `secure` may be a label for the network
 * key; `dm: false`, `secure: false` and `seal: false` step down to plain unicasts, charged seal
 * bytes without cryptography, and no seal at all.
 */
export function system5Station(ctx: RouterContext): MobileStation {
  const node = meshNode(ctx);
  // An insider holds the key: it misbehaves below the seal (src/sim/routers/insiders.ts).
  const relay = ctx.insider?.(node) ?? node;
  const security = securityOf(ctx.params);
  if (security === "none") return relay;
  if (security === "airtime") return new SealAirtime(relay);
  const networkKey = simNetworkKey(typeof ctx.params.secure === "string" ? ctx.params.secure : true);
  const station: MobileStation = new SecureStation({
    inner: relay,
    networkKey,
    counterStore: new MemoryCounterStore(),
    // Each node's X25519 secret: the one its id was derived from (ids bound to keys,
    // docs/security.md §7.3), or, where the run gave none (a test's own
    // Simulation), one derived from its id, with binding optional. The node's generator is left
    // untouched either way, so a secured run keeps the same random stream.
    nodeSecretKey: ctx.secretKey ?? deriveSubkey(networkKey, ascii(`sim node key ${ctx.id}`)),
    idBinding: ctx.secretKey === undefined ? "optional" : "required",
    modem: ctx.preset,
    floodContentionCw: node.config.floodContentionCw,
    now: ctx.now,
    ...contactsOf(ctx),
    // `routerParams.system5.keyOnBroadcastMs`: how often a node's key rides on its broadcasts (docs/security.md §8 rule 5; 0 = never).
    ...(typeof ctx.params.keyOnBroadcastMs === "number" ? { keyOnBroadcastMs: ctx.params.keyOnBroadcastMs } : {}),
    // `routerParams.system5.lookupCarriesKey: false` turns that rule off (docs/security.md §8 rule 5).
    ...(ctx.params.lookupCarriesKey === false ? { lookupCarriesKey: false } : {}),
  });
  station.setPosition = (now, position) => node.setPosition(now, position);
  if (security === "dm") {
    // The firmware's console sends every unicast private (src/app/mesh-binding.ts).
    const send = station.send.bind(station);
    station.send = (now, dst, payload, options) => send(now, dst, payload, { ...options, private: dst !== BROADCAST } as SendOptions);
  }
  return station;
}

/**
 * `routerParams.system5.contacts: true` gives each node every other node's key as a contact
 * (docs/security.md §8 "Contacts"), as the MeshCore model gives every companion every other node:
 * exchanged both ways, so neither a key request nor a key on the first DM. Off by default.
 */
function contactsOf(ctx: RouterContext): { contacts?: ContactEntry[]; maxContacts?: number } {
  const v = ctx.params.contacts;
  if (v === undefined || v === false) return {};
  if (v !== true) throw new Error(`routerParams.system5.contacts: ${JSON.stringify(v)} is not true or false`);
  // Without key-derived ids no node key is bound to its id, and a contact must be (docs/security.md §8).
  if (ctx.contactKeys === undefined) throw new Error("routerParams.system5.contacts needs key-derived ids (the simulation's keyedIds, as `system5 sim` runs System 5)");
  const contacts: ContactEntry[] = [];
  for (const [id, publicKey] of ctx.contactKeys) if (id !== ctx.id) contacts.push({ id, publicKey, holdsOurs: true });
  return { contacts, maxContacts: Math.max(DEFAULT_MAX_CONTACTS, contacts.length) };
}

function meshNode(ctx: RouterContext): MeshNode {
  const band = subBandFor(ctx.region, ctx.frequencyHz, ctx.preset.bandwidthHz);
  return new MeshNode({
    id: ctx.id,
    rng: ctx.rng,
    now: ctx.now,
    modem: ctx.preset,
    dutyCycle: band?.dutyCycle ?? 1,
    config: configFrom(ctx),
    position: ctx.position,
    battery: ctx.battery,
  });
}
