// The gateway side of a station as the simulator drives it: the core's BridgePort
// (docs: BRIDGE-CONTRACT, src/core/station.ts). Declared here by shape until the core's lands, so
// the baselines' gateways and System 5's are driven by one code path.
import type { NodeId, Station } from "../../core/station";

export interface BridgeRxMeta {
  readonly at: number;
  readonly gateway: NodeId;
}
export interface BridgeTxFrame {
  readonly bytes: Uint8Array;
  readonly cluster: string;
}
export interface BridgePort {
  bridgeStatus(now: number, up: boolean): void;
  bridgePeer(now: number, gateway: NodeId, up: boolean, clusters: readonly string[]): void;
  bridgeReceive(bytes: Uint8Array, meta: BridgeRxMeta): void;
  pollBridge(now: number): BridgeTxFrame | undefined;
  bridgeClusters(): readonly string[];
}

/** The station's bridge, when it has one (a gateway). */
export function bridgeOf(st: Station): BridgePort | undefined {
  return (st as Station & { readonly bridge?: BridgePort }).bridge;
}
