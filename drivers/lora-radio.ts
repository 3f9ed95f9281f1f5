// The chip-independent half of both drivers: configuration, the send/receive/CAD state machine,
// bounded waits for TX-done and CAD-done, statistics and callbacks. A chip driver extends it and
// implements the protected hooks with register or command traffic; its interrupt handler reports
// back through transmitDone(), cadDone(), packetReceived() and the error counters.

import {
  type CadCallback,
  mergeConfig,
  payloadError,
  type Radio,
  type RadioClock,
  type RadioConfig,
  type RadioLimits,
  type RadioOptions,
  type RadioPacket,
  type RadioState,
  type RadioStatistics,
  type RadioTimer,
  type SendCallback,
  DEFAULT_RADIO_CONFIG,
  timeOnAirMs,
  validateConfig,
} from "./radio";
import { symbolTimeMs } from "../src/core/airtime";

interface Pending {
  readonly kind: "transmit" | "cad";
  readonly onSend?: SendCallback;
  readonly onCad?: CadCallback;
  readonly timer: RadioTimer;
  readonly guardMs: number;
}

/** Guard for TX-done: 25 % above the time on air plus 100 ms for mode switching and event latency. */
export function transmitGuardMs(airtimeMs: number): number {
  return Math.ceil(airtimeMs * 1.25) + 100;
}

/** Guard for CAD-done: CAD lasts a few symbols (≤ 4 + processing); allow 16 symbols + 50 ms. */
export function cadGuardMs(config: RadioConfig): number {
  return Math.ceil(16 * symbolTimeMs(config.spreadingFactor, config.bandwidthHz)) + 50;
}

export abstract class LoRaRadio implements Radio {
  readonly #limits: RadioLimits;
  readonly #onPacket: ((packet: RadioPacket) => void) | undefined;
  readonly #onError: ((error: Error) => void) | undefined;
  #config: RadioConfig;
  #state: RadioState = "standby";
  /** Receive is the resting state (startReceive() called, not cancelled). */
  #receiving = false;
  #pending: Pending | undefined;
  #closed = false;
  #stats = { txPackets: 0, txErrors: 0, rxPackets: 0, crcErrors: 0, headerErrors: 0, cadRuns: 0, cadBusy: 0 };
  protected readonly clock: RadioClock;

  protected constructor(options: RadioOptions, limits: RadioLimits) {
    if (options?.clock === undefined) throw new TypeError(`${limits.chip}: options.clock (a RadioClock) is required`);
    if (options.config?.frequencyHz === undefined) throw new TypeError(`${limits.chip}: options.config.frequencyHz is required`);
    this.#limits = limits;
    this.clock = options.clock;
    this.#onPacket = options.onPacket;
    this.#onError = options.onError;
    const config = mergeConfig({ ...DEFAULT_RADIO_CONFIG, frequencyHz: options.config.frequencyHz }, options.config);
    validateConfig(config, limits);
    this.#config = config;
  }

  get config(): RadioConfig {
    return this.#config;
  }

  get state(): RadioState {
    return this.#state;
  }

  get statistics(): RadioStatistics {
    return { ...this.#stats };
  }

  configure(partial: Partial<RadioConfig>): void {
    this.#checkOpen();
    this.#checkIdle("configure()");
    const next = mergeConfig(this.#config, partial);
    validateConfig(next, this.#limits);
    if (this.#state !== "standby") this.enterStandby();
    this.#state = "standby";
    const previous = this.#config;
    this.#config = next;
    try {
      this.applyConfig(next, previous);
    } finally {
      if (this.#receiving) this.#resumeReceive();
    }
  }

  send(bytes: Uint8Array, onDone: SendCallback): void {
    this.#checkOpen();
    this.#checkIdle("send()");
    const problem = payloadError(this.#config, bytes);
    if (problem !== undefined) throw new RangeError(`${this.#limits.chip}: ${problem}`);
    if (typeof onDone !== "function") throw new TypeError(`${this.#limits.chip}: send() needs an onDone callback`);
    const guardMs = transmitGuardMs(this.timeOnAirMs(bytes.length));
    this.#state = "transmit";
    try {
      this.beginTransmit(bytes, guardMs);
    } catch (error) {
      this.#state = "standby";
      this.#stats.txErrors++;
      throw error;
    }
    // The software guard fires after the chip's own TX timeout (SX126x) so the chip's report wins.
    const softGuardMs = guardMs + 50;
    const timer = this.clock.set(() => this.#expire("transmit"), softGuardMs);
    this.#pending = { kind: "transmit", onSend: onDone, timer, guardMs: softGuardMs };
  }

  startReceive(): void {
    this.#checkOpen();
    this.#receiving = true;
    if (this.#pending === undefined) this.#resumeReceive();
  }

  cad(onDone: CadCallback): void {
    this.#checkOpen();
    this.#checkIdle("cad()");
    if (typeof onDone !== "function") throw new TypeError(`${this.#limits.chip}: cad() needs an onDone callback`);
    this.#state = "cad";
    try {
      this.beginCad();
    } catch (error) {
      this.#state = "standby";
      throw error;
    }
    this.#stats.cadRuns++;
    const guardMs = cadGuardMs(this.#config);
    const timer = this.clock.set(() => this.#expire("cad"), guardMs);
    this.#pending = { kind: "cad", onCad: onDone, timer, guardMs };
  }

  isReceiving(): boolean {
    this.#checkOpen();
    return this.#state === "receive" && this.#pending === undefined && this.frameInProgress();
  }

  standby(): void {
    this.#checkOpen();
    this.#receiving = false;
    this.#abort("standby()");
    this.enterStandby();
    this.#state = "standby";
  }

  sleep(): void {
    this.#checkOpen();
    this.#receiving = false;
    this.#abort("sleep()");
    this.enterSleep();
    this.#state = "sleep";
  }

  timeOnAirMs(length: number): number {
    return timeOnAirMs(this.#config, length, this.#limits.family);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiving = false;
    this.#abort("close()");
    try {
      this.enterSleep();
    } catch {
      // A chip that no longer answers must not stop us releasing the pins.
    }
    this.#state = "sleep";
    this.releaseIo();
  }

  // ---- for the chip drivers ----------------------------------------------------------------

  /** Which operation an interrupt belongs to. */
  protected get phase(): RadioState {
    return this.#state;
  }

  /** Part name for messages, e.g. "SX1262". */
  protected get chipName(): string {
    return this.#limits.chip;
  }

  /** The chip reported TX-done (no error) or a chip-side failure (error). */
  protected transmitDone(error?: Error): void {
    const pending = this.#take("transmit");
    if (pending === undefined) return;
    if (error === undefined) this.#stats.txPackets++;
    else this.#stats.txErrors++;
    const resumeError = this.#settle();
    pending.onSend?.(error);
    if (resumeError !== undefined) this.reportError(resumeError);
  }

  protected cadDone(busy: boolean, error?: Error): void {
    const pending = this.#take("cad");
    if (pending === undefined) return;
    if (busy) this.#stats.cadBusy++;
    const resumeError = this.#settle();
    pending.onCad?.(busy, error);
    if (resumeError !== undefined) this.reportError(resumeError);
  }

  protected packetReceived(bytes: Uint8Array, rssi: number, snr: number): void {
    this.#stats.rxPackets++;
    this.#onPacket?.({ bytes, rssi, snr, at: this.clock.now() });
  }

  protected countCrcError(): void {
    this.#stats.crcErrors++;
  }

  protected countHeaderError(): void {
    this.#stats.headerErrors++;
  }

  /** Routes an error raised while servicing an interrupt: to onError, or rethrown when there is none. */
  protected reportError(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.#onError === undefined) throw e;
    this.#onError(e);
  }

  /** The interrupt pin's onReadable: service the chip, routing failures to onError. */
  protected onInterrupt(): void {
    if (this.#closed) return;
    try {
      this.serviceInterrupt();
    } catch (error) {
      this.reportError(error);
    }
  }

  /** Reads the chip's IRQ state and dispatches it (interrupt handler; also run before a guard fails). */
  protected abstract serviceInterrupt(): void;
  /** Writes the whole configuration to the chip (in standby). */
  protected abstract applyConfig(next: RadioConfig, previous: RadioConfig): void;
  /** Loads `bytes` and starts transmitting; `timeoutMs` bounds the transmission (chips that have a TX timer use it). */
  protected abstract beginTransmit(bytes: Uint8Array, timeoutMs: number): void;
  protected abstract beginReceive(): void;
  protected abstract beginCad(): void;
  /** The modem is receiving a frame (called only while resting in receive). */
  protected abstract frameInProgress(): boolean;
  protected abstract enterStandby(): void;
  protected abstract enterSleep(): void;
  /** Human-readable name of the interrupt pin for timeout errors, e.g. "DIO0 on pin 26". */
  protected abstract get interruptName(): string;
  protected abstract releaseIo(): void;

  // ---- internals -----------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${this.#limits.chip}: radio is closed`);
  }

  #checkIdle(what: string): void {
    if (this.#pending !== undefined) throw new Error(`${this.#limits.chip}: ${what} while ${this.#pending.kind} is in progress`);
  }

  #take(kind: Pending["kind"]): Pending | undefined {
    const pending = this.#pending;
    if (pending === undefined || pending.kind !== kind) return undefined;
    this.#pending = undefined;
    this.clock.clear(pending.timer);
    return pending;
  }

  /** After TX or CAD the chip is in standby: go back to receive if that is the resting state. */
  #settle(): unknown {
    this.#state = "standby";
    if (!this.#receiving) return undefined;
    try {
      this.#resumeReceive();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  #resumeReceive(): void {
    try {
      this.beginReceive();
      this.#state = "receive";
    } catch (error) {
      this.#state = "standby";
      throw error;
    }
  }

  /** A guard expired: look at the chip once more (an edge may have been lost), then fail the operation. */
  #expire(kind: Pending["kind"]): void {
    if (this.#pending?.kind !== kind) return;
    try {
      this.serviceInterrupt();
    } catch {
      // The failure below names the missing interrupt; a second error would only hide it.
    }
    if (this.#pending?.kind !== kind) return;
    const what = kind === "transmit" ? "TX-done" : "CAD-done";
    const error = new Error(`${this.#limits.chip}: ${what} not signalled within ${this.#pending.guardMs} ms (${this.interruptName})`);
    try {
      this.enterStandby();
    } catch {
      // Keep the timeout as the reported error; the next command will surface a dead chip.
    }
    if (kind === "transmit") this.transmitDone(error);
    else this.cadDone(false, error);
  }


  #abort(why: string): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.clock.clear(pending.timer);
    this.#state = "standby";
    const error = new Error(`${this.#limits.chip}: ${pending.kind} aborted by ${why}`);
    if (pending.kind === "transmit") {
      this.#stats.txErrors++;
      pending.onSend?.(error);
    } else {
      pending.onCad?.(false, error);
    }
  }
}
