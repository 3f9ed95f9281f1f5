// The radio ↔ station driving loop (src/core/station.ts, "Driving loop"): one module that the
// firmware and the host run both use, so what the host run shows is what the board does.
//
//   received frame         → station.receive(bytes, {rssi, snr, at}), then run the loop
//   the one timer fires    → station.tick(now) when nextWakeup() is due, then run the loop
//   loop, radio idle       → f = station.pollTransmit(now); CAD (listen before talk); channel
//                            free → radio.send(f) and, at TX-done, station.transmitDone(end, "sent");
//                            activity or a radio error → station.transmitDone(now, "busy"), which
//                            backs the frame off and re-queues it
//   after every event      → station.drainEvents() to the application, re-arm the timer at
//                            nextWakeup()
//
// "Radio idle" means resting in continuous receive with no CAD or transmission of ours under
// way. A frame arriving right now (radio.isReceiving()) counts as a busy channel too, as in
// docs/protocol.md §10: CAD would cut that reception off, and our frame would collide with it.
import type { Radio, RadioClock, RadioPacket, RadioTimer } from "../../drivers/radio";
import type { Station, StationEvent, TxFrame } from "../core/station";

export interface MeshRunnerOptions {
  readonly station: Station;
  /** The radio, resting in receive once start() ran. */
  readonly radio: Pick<Radio, "state" | "startReceive" | "isReceiving" | "cad" | "send">;
  /** Timer service (Moddable Timer/Time on the device, the VirtualClock on the host). */
  readonly clock: Pick<RadioClock, "now" | "set" | "clear">;
  /** Station events, oldest first, after every loop run that produced any. */
  readonly onEvents: (events: StationEvent[]) => void;
  /** A CAD or transmission that failed in the radio; the frame is retried as after a busy channel. */
  readonly onRadioError?: (error: Error) => void;
  /**
   * An exception out of the station (a bug the core must not have, docs/security.md §13): it is
   * counted and reported here, the frame or timer event that caused it is dropped, and the loop
   * carries on with its timer re-armed, so one bad frame cannot stop the node.
   */
  readonly onStationError?: (error: Error) => void;
  /**
   * Runs after every loop run, before the timer is re-armed: the gateway's bridge publishes what
   * the station has for the internet (src/app/bridge-driver.ts). Its exceptions count as the
   * station's.
   */
  readonly afterRun?: (now: number) => void;
}

export interface MeshRunnerStats {
  /** Frames handed to the station. */
  readonly received: number;
  /** Frames the radio reported sent (TX-done). */
  readonly sent: number;
  /** Transmissions put off because CAD saw activity. */
  readonly channelBusy: number;
  /** Transmissions put off because a frame was arriving. */
  readonly receiving: number;
  /** CADs or transmissions that failed in the radio. */
  readonly radioErrors: number;
  /** Exceptions the station threw (caught, counted, the loop kept running). */
  readonly stationErrors: number;
}

/** After the station threw while computing its wakeup, the loop looks again this much later. */
const STATION_ERROR_RETRY_MS = 1000;

export class MeshRunner {
  readonly #station: Station;
  readonly #radio: MeshRunnerOptions["radio"];
  readonly #clock: MeshRunnerOptions["clock"];
  readonly #onEvents: MeshRunnerOptions["onEvents"];
  readonly #onRadioError: MeshRunnerOptions["onRadioError"];
  readonly #onStationError: MeshRunnerOptions["onStationError"];
  readonly #afterRun: MeshRunnerOptions["afterRun"];
  #timer: RadioTimer | undefined;
  /** A frame of ours is in CAD or on the air. */
  #transmitting = false;
  #running = false;
  #stats = { received: 0, sent: 0, channelBusy: 0, receiving: 0, radioErrors: 0, stationErrors: 0 };

  constructor(options: MeshRunnerOptions) {
    this.#station = options.station;
    this.#radio = options.radio;
    this.#clock = options.clock;
    this.#onEvents = options.onEvents;
    this.#onRadioError = options.onRadioError;
    this.#onStationError = options.onStationError;
    this.#afterRun = options.afterRun;
  }

  get stats(): MeshRunnerStats {
    return { ...this.#stats };
  }

  /** Puts the radio in continuous receive and runs the loop. */
  start(): void {
    this.#running = true;
    this.#radio.startReceive();
    this.#run();
  }

  /** Stops the timer; later radio callbacks are ignored. The radio itself is the caller's to close. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
  }

  /** The radio's onPacket. */
  packet(packet: RadioPacket): void {
    if (!this.#running) return;
    this.#stats.received++;
    try {
      this.#station.receive(packet.bytes, { rssi: packet.rssi, snr: packet.snr, at: packet.at });
    } catch (error) {
      this.#stationError(error);
    }
    this.#run();
  }

  /** The application queued something (a console send): run the loop now rather than at the next wakeup. */
  poke(): void {
    if (this.#running) this.#run();
  }

  #run(): void {
    if (!this.#running) return;
    const now = this.#clock.now();
    try {
      if (this.#station.nextWakeup() <= now) this.#station.tick(now);
      if (!this.#transmitting && this.#radio.state === "receive") {
        const frame = this.#station.pollTransmit(now);
        if (frame !== undefined) this.#listenBeforeTalk(frame);
      }
    } catch (error) {
      this.#stationError(error);
    }
    if (this.#afterRun !== undefined) {
      try {
        this.#afterRun(now);
      } catch (error) {
        this.#stationError(error);
      }
    }
    let events: StationEvent[] = [];
    try {
      events = this.#station.drainEvents();
    } catch (error) {
      this.#stationError(error);
    }
    if (events.length > 0) this.#onEvents(events);
    this.#arm();
  }

  #stationError(error: unknown): void {
    this.#stats.stationErrors++;
    this.#onStationError?.(error instanceof Error ? error : new Error(String(error)));
  }

  #listenBeforeTalk(frame: TxFrame): void {
    this.#transmitting = true;
    try {
      if (this.#radio.isReceiving()) {
        this.#stats.receiving++;
        return this.#notSent(undefined);
      }
      this.#radio.cad((busy, error) => {
        if (!this.#running) return;
        if (error !== undefined) return this.#notSent(error);
        if (busy) {
          this.#stats.channelBusy++;
          return this.#notSent(undefined);
        }
        this.#transmit(frame);
      });
    } catch (error) {
      this.#notSent(error);
    }
  }

  #transmit(frame: TxFrame): void {
    try {
      this.#radio.send(frame.bytes, (error) => {
        if (!this.#running) return;
        if (error !== undefined) return this.#notSent(error);
        this.#transmitting = false;
        this.#stats.sent++;
        // TX-done time is when the frame left the air: the station books its airtime back from it.
        try {
          this.#station.transmitDone(this.#clock.now(), "sent");
        } catch (e) {
          this.#stationError(e);
        }
        this.#run();
      });
    } catch (error) {
      this.#notSent(error);
    }
  }

  /** The frame did not go out: "busy" makes the station back off and try again later. */
  #notSent(error: unknown): void {
    this.#transmitting = false;
    try {
      this.#station.transmitDone(this.#clock.now(), "busy");
    } catch (e) {
      this.#stationError(e);
    }
    if (error !== undefined) {
      this.#stats.radioErrors++;
      this.#onRadioError?.(error instanceof Error ? error : new Error(String(error)));
    }
    this.#run();
  }

  /** One timer, re-armed for the station's next wakeup after every run. */
  #arm(): void {
    if (this.#timer !== undefined) this.#clock.clear(this.#timer);
    this.#timer = undefined;
    let next: number;
    try {
      next = this.#station.nextWakeup();
    } catch (error) {
      this.#stationError(error);
      next = this.#clock.now() + STATION_ERROR_RETRY_MS;
    }
    if (Number.isNaN(next)) next = this.#clock.now() + STATION_ERROR_RETRY_MS;
    if (!Number.isFinite(next)) return;
    const now = this.#clock.now();
    // Whole milliseconds (Moddable's Timer); a wakeup already due (a frame waiting for our own
    // transmission to end) is looked at again 1 ms later rather than in a tight loop.
    const delay = next > now ? Math.ceil(next - now) : 1;
    this.#timer = this.#clock.set(() => {
      this.#timer = undefined;
      this.#run();
    }, delay);
  }
}
Object.freeze(MeshRunner.prototype);
