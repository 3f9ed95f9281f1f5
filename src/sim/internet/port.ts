// The gateway side of a station as the simulator drives it: the core's BridgePort
// (src/core/station.ts), which the System 5 gateway and the baselines' MQTT gateway both implement.
import type { Station } from "../../core/station";
export type { BridgePort, BridgeRxMeta, BridgeTxFrame } from "../../core/station";
import type { BridgePort } from "../../core/station";

/** The station's bridge, when it has one (a gateway). */
export function bridgeOf(st: Station): BridgePort | undefined {
  return st.bridge;
}
