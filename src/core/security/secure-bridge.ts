// The security layer of the bridge (docs/security.md "Bridge"): a gateway's frames cross the
// internet sealed exactly as on the air — under the node's one frame counter (a nonce is never
// used twice, whichever interface a frame leaves by) — and what arrives is opened,
// authenticated and replay-checked against the same per-sender windows as radio frames before
// the gateway role (bridge/gateway-role.ts) sees a byte of it. Everything refused is counted.
import type { BridgePort, BridgeRxMeta, BridgeTxFrame, NodeId } from "../station";
import { BRIDGE_MAX_FRAME } from "../bridge/topics";
import { KEY_FRAME_TYPE, type OpenResult } from "./frame-seal";

/** What the security layer counted on the bridge. */
export interface SecureBridgeStats {
  /** Frames sealed and handed to the transport. */
  sealed: number;
  /** Frames that could not be sealed (the counter's store failed): dropped. */
  sealFailed: number;
  /** Frames handed in by the transport. */
  received: number;
  /** Opened, fresh, handed to the gateway role. */
  opened: number;
  /** Larger than BRIDGE_MAX_FRAME (the air's limit). */
  oversized: number;
  /** Shorter than a sealed link header with its tag, or not bytes at all. */
  truncated: number;
  /** Another protocol version or an unknown frame type. */
  badHeader: number;
  /** The tag does not verify: another network's key, or altered bytes. */
  badTag: number;
  /** A counter the window has seen (a replay), or one too old to judge. */
  replayed: number;
  tooOld: number;
  /** This node's own frames coming back (a broker echoing our publications). */
  ownFrame: number;
  /** KEY frames: link-local, they never cross. */
  keyFrames: number;
}

/** What SecureStation lends the bridge: its seal, its open and its replay windows. */
export interface SecureBridgeHooks {
  readonly self: NodeId;
  seal(inner: Uint8Array, now: number): Uint8Array | undefined;
  open(bytes: Uint8Array): OpenResult;
  /** Checks and, when fresh, accepts the counter: "fresh", "replayed" or "too-old". */
  admit(tx: NodeId, counter: number): "fresh" | "replayed" | "too-old";
}

export class SecureBridge implements BridgePort {
  readonly stats: SecureBridgeStats = { sealed: 0, sealFailed: 0, received: 0, opened: 0, oversized: 0, truncated: 0, badHeader: 0, badTag: 0, replayed: 0, tooOld: 0, ownFrame: 0, keyFrames: 0 };
  readonly #inner: BridgePort;
  readonly #hooks: SecureBridgeHooks;

  constructor(inner: BridgePort, hooks: SecureBridgeHooks) {
    this.#inner = inner;
    this.#hooks = hooks;
  }

  bridgeStatus(now: number, up: boolean): void {
    this.#inner.bridgeStatus(now, up);
  }

  bridgePeer(now: number, gateway: NodeId, up: boolean, clusters: readonly string[]): void {
    this.#inner.bridgePeer(now, gateway, up, clusters);
  }

  bridgeClusters(): readonly string[] {
    return this.#inner.bridgeClusters();
  }

  pollBridge(now: number): BridgeTxFrame | undefined {
    for (;;) {
      const f = this.#inner.pollBridge(now);
      if (f === undefined) return undefined;
      const bytes = this.#hooks.seal(f.bytes, now);
      if (bytes === undefined) {
        this.stats.sealFailed++;
        continue;
      }
      this.stats.sealed++;
      return { bytes, cluster: f.cluster };
    }
  }

  bridgeReceive(bytes: Uint8Array, meta: BridgeRxMeta): void {
    this.stats.received++;
    if (!(bytes instanceof Uint8Array)) {
      this.stats.truncated++;
      return;
    }
    if (bytes.length > BRIDGE_MAX_FRAME) {
      this.stats.oversized++;
      return;
    }
    const r = this.#hooks.open(bytes);
    if (!r.ok) {
      if (r.reason === "truncated") this.stats.truncated++;
      else if (r.reason === "oversized") this.stats.oversized++;
      else if (r.reason === "bad-header") this.stats.badHeader++;
      else this.stats.badTag++;
      return;
    }
    if (r.tx === this.#hooks.self) {
      this.stats.ownFrame++;
      return;
    }
    if ((r.inner[0] & 15) === KEY_FRAME_TYPE) {
      this.stats.keyFrames++;
      return;
    }
    const verdict = this.#hooks.admit(r.tx, r.counter);
    if (verdict !== "fresh") {
      if (verdict === "replayed") this.stats.replayed++;
      else this.stats.tooOld++;
      return;
    }
    this.stats.opened++;
    this.#inner.bridgeReceive(r.inner, meta);
  }
}
