// System 5 in the simulator: the real src/core MeshNode, unchanged, behind the router factory.
// No global knowledge: the node gets only what a device gets (its id, position or none, battery,
// the network's modem and its sub-band's duty cycle) and learns everything else over the air.
import type { MeshConfig } from "../../core/config";
import { MeshNode } from "../../core/mesh-node";
import { subBandFor } from "../../core/regions";
import type { RouterContext } from "./context";

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
  return cfg;
}

export function system5Station(ctx: RouterContext): MeshNode {
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
