// What the simulator hands a router factory for each node, and the factory shape the registry
// stores. The System 5 core node is plugged in through the same factory signature.
import type { ModemPreset } from "../../core/presets";
import type { RegionPlan } from "../../core/regions";
import type { SeededRng } from "../../core/rng";
import type { NodeId, Station } from "../../core/station";

/** Meshtastic device roles the baselines model (radios.md §5.6). */
export type RoleName = "CLIENT" | "CLIENT_MUTE" | "ROUTER";
export const ROLE_NAMES: readonly RoleName[] = ["CLIENT", "CLIENT_MUTE", "ROUTER"];

export interface GeoPosition {
  readonly lat: number;
  readonly lon: number;
}

export interface RouterContext {
  /** The node's address (random 32-bit, as Meshtastic node numbers). */
  readonly id: NodeId;
  /**
   * The node's X25519 secret when the router asked for key-derived ids (RouterExtras.keyedIds):
   * `id` is then the key id of its public key (src/core/security/key-id.ts).
   */
  readonly secretKey?: Uint8Array;
  /** The node's own generator, forked from the run seed: the only randomness a router may use. */
  readonly rng: SeededRng;
  /** Simulation time at creation, ms. */
  readonly now: number;
  /** The network's one modem preset. */
  readonly preset: ModemPreset;
  readonly region: RegionPlan;
  readonly frequencyHz: number;
  /** Geographic position from the scenario's local projection; undefined if the node has no GPS. */
  readonly position: GeoPosition | undefined;
  readonly role: RoleName;
  /**
   * MeshCore: whether the node is a repeater (docs/simulator.md §MeshCore: the nodes the scenario
   * marks as infrastructure, or the grid rule where it marks none). Undefined: role ROUTER.
   */
  readonly repeater?: boolean;
  /** Every node's id: the contact list a MeshCore companion holds (keys exchanged by adverts or QR codes). */
  readonly contacts?: readonly NodeId[];
  /** With key-derived ids: every node's public key by id, computed once (System 5's `routerParams.system5.contacts`). */
  readonly contactKeys?: ReadonlyMap<NodeId, Uint8Array>;
  /** Battery level 0..1. */
  readonly battery: number;
  /** Scenario pass-through parameters for this router (scenario file `routerParams[name]`). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * For an insider (scenario `insiders`): wraps the router's own station, below any layer that
   * changes the bytes on the air (the insider holds the network key). A factory that does not
   * call it gets its whole station wrapped.
   */
  readonly insider?: (station: MobileStation) => MobileStation;
  /** The scenario makes this node a gateway (scenario `internet`): a router that can bridge gives its station a `bridge`. */
  readonly gateway?: boolean;
  /** A gateway's cluster prefixes from the scenario (`internet.gateways[i].clusters`); empty: the router's default. */
  readonly gatewayClusters?: readonly string[];
}

/** A station that can be told it moved (mobility). */
export interface MobileStation extends Station {
  setPosition?(now: number, position: GeoPosition): void;
}

export type RouterFactory = (ctx: RouterContext) => MobileStation;

/**
 * What a transmission is, for the airtime breakdown (`sim --breakdown`, docs/simulator.md
 * §Airtime by frame kind): the router's own name for the frame kind, and whether the sender
 * originated it or relays another node's frame ("other": the frame does not tell).
 */
export interface FrameClass {
  readonly kind: string;
  readonly role: "origin" | "relay" | "other";
}
