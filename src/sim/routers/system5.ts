// System 5 in the simulator: the real src/core MeshNode, unchanged, behind the router factory.
// No global knowledge: the node gets only what a device gets (its id, position or none, battery,
// the network's modem and its sub-band's duty cycle) and learns everything else over the air.
import type { MeshConfig } from "../../core/config";
import { MeshNode } from "../../core/mesh-node";
import { subBandFor } from "../../core/regions";
import { ascii } from "../../core/security/bytes";
import { MemoryCounterStore } from "../../core/security/frame-counter";
import { SEAL_OVERHEAD_BYTES } from "../../core/security/frame-seal";
import { deriveSubkey } from "../../core/security/keys";
import { SecureStation } from "../../core/security/secure-station";
import type { MobileStation, RouterContext } from "./context";
import { SealAirtime } from "./seal-airtime";

/** Scenario `routerParams.system5` keys that map onto MeshConfig, plus `silencing`. */
function configFrom(ctx: RouterContext): Partial<MeshConfig> {
  const p = ctx.params;
  const cfg: Partial<MeshConfig> = {};
  if (typeof p.geohashPrecision === "number") cfg.geohashPrecision = p.geohashPrecision;
  // The seed's Bay Area scenarios come with and without silencing; its "0.6" was a fraction in
  // the upstream simulator. Ours is the coverage rule of docs/protocol.md §12: on unless a
  // scenario turns it off.
  if (p.silencing === false) cfg.silencingEnabled = false;
  const overrides = p.config;
  if (typeof overrides === "object" && overrides !== null) Object.assign(cfg, overrides as Partial<MeshConfig>);
  // Every frame is sealed (or, by default, charged as if sealed: seal-airtime.ts), so the node
  // reserves the seal's bytes in every frame; `seal: false` simulates an unsealed network.
  if (p.seal !== false || p.secure === true || typeof p.secure === "string") cfg.frameOverheadBytes = SEAL_OVERHEAD_BYTES;
  return cfg;
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
 * `routerParams.system5.secure` (default false): true or a label wraps every node in the real
 * security layer (docs/security.md). Otherwise the seal's bytes are charged on the air without
 * its cryptography (seal-airtime.ts), unless `seal: false` turns the seal off altogether.
 */
export function system5Station(ctx: RouterContext): MobileStation {
  const node = meshNode(ctx);
  // An insider holds the key: it misbehaves below the seal (src/sim/routers/insiders.ts).
  const relay = ctx.insider?.(node) ?? node;
  const secure = ctx.params.secure;
  if (secure !== true && typeof secure !== "string") return ctx.params.seal === false ? relay : new SealAirtime(relay);
  const networkKey = simNetworkKey(secure);
  const station: MobileStation = new SecureStation({
    inner: relay,
    networkKey,
    counterStore: new MemoryCounterStore(),
    // Each node's X25519 secret derived from its id (a device draws it once from its RNG; here
    // the node's generator is left untouched so a secured run keeps the same random stream).
    nodeSecretKey: deriveSubkey(networkKey, ascii(`sim node key ${ctx.id}`)),
    modem: ctx.preset,
    now: ctx.now,
  });
  station.setPosition = (now, position) => node.setPosition(now, position);
  return station;
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
