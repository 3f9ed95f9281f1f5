// The security layer's airtime without its cryptography. Every frame a System 5 device sends is
// sealed (docs/security.md §4): 12 more bytes on the air. Running ChaCha20-Poly1305 for every
// transmission and every reception of a 1500-node run would cost more CPU than the rest of the
// simulation and change nothing a simulated node can observe (every node holds the key), so by
// default the simulator charges the seal's bytes instead: each frame goes on the air padded by
// SEAL_OVERHEAD_BYTES and the padding is stripped before the receiving core sees it. The core
// is built with frameOverheadBytes = SEAL_OVERHEAD_BYTES, exactly as on the device, so its
// payload limits, OGM sizes and duty-cycle ledger match a sealed network.
// `routerParams.system5.secure: true` runs the real layer instead (src/core/security).
import { SEAL_OVERHEAD_BYTES } from "../../core/security/frame-seal";
import type { RxMeta, SendOptions, SendResult, StationEvent, TxFrame } from "../../core/station";
import type { GeoPosition, MobileStation } from "./context";

export class SealAirtime implements MobileStation {
  readonly id: number;
  readonly #inner: MobileStation;

  /** The station inside (the view inspects the core node through it). */
  get inner(): MobileStation {
    return this.#inner;
  }

  constructor(inner: MobileStation) {
    this.#inner = inner;
    this.id = inner.id;
  }

  send(now: number, dst: number, payload: Uint8Array, options?: SendOptions): SendResult {
    return this.#inner.send(now, dst, payload, options);
  }

  receive(bytes: Uint8Array, meta: RxMeta): void {
    // A frame shorter than the seal cannot have come from a sealed network: dropped, as the
    // security layer would drop it.
    if (bytes.length <= SEAL_OVERHEAD_BYTES) return;
    this.#inner.receive(bytes.subarray(0, bytes.length - SEAL_OVERHEAD_BYTES), meta);
  }

  tick(now: number): void {
    this.#inner.tick(now);
  }

  nextWakeup(): number {
    return this.#inner.nextWakeup();
  }

  pollTransmit(now: number): TxFrame | undefined {
    const f = this.#inner.pollTransmit(now);
    if (f === undefined) return undefined;
    const padded = new Uint8Array(f.bytes.length + SEAL_OVERHEAD_BYTES);
    padded.set(f.bytes, 0);
    return { bytes: padded, priority: f.priority, kind: f.kind };
  }

  transmitDone(now: number, outcome: "sent" | "busy"): void {
    this.#inner.transmitDone(now, outcome);
  }

  drainEvents(): StationEvent[] {
    return this.#inner.drainEvents();
  }

  setPosition(now: number, position: GeoPosition): void {
    this.#inner.setPosition?.(now, position);
  }
}
