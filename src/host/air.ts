// The virtual "air" shared by emulated LoRa chips, in virtual time.
//
// A frame is heard by a chip only if, when the frame starts, the chip is receiving (or running
// CAD) on a matching modem: same spreading factor, bandwidth, sync word, header mode and IQ
// polarity, and a carrier within a quarter of the bandwidth; and only if the link SNR reaches the
// SF's demodulation limit (core presets). The chip locks on the first such frame; it receives it
// at the frame's end if it stayed in receive on the same modem. Any other frame overlapping it in
// time and frequency on the same SF collides with it unless the locked frame is `captureDb` stronger at that
// receiver; a collided frame arrives with a CRC error. Different spreading factors are treated as
// orthogonal (no collision), as in Meshtasticator (radios.md §5.9). Airtime comes from the core.
//
// Link budget per (sender, receiver): an explicit link table entry (fixed RSSI/SNR, or a path
// loss), else a log-distance path loss from the nodes' positions, else `defaultPathLossDb`.
// SNR = RSSI − noise floor (core presets, −174 dBm/Hz + 10·log10(BW) + noise figure).

import type { VirtualClock, ClockEvent } from "./clock";
import { airtimeMs, symbolTimeMs } from "../core/airtime";
import { noiseFloorDbm, SNR_LIMIT_DB } from "../core/presets";
import { randNormal, type SeededRng } from "../core/rng";

/** Modem parameters a frame is sent with, or a receiver listens with. */
export interface AirModem {
  readonly frequencyHz: number;
  readonly bandwidthHz: number;
  readonly spreadingFactor: number;
  readonly codingRate: number;
  readonly preambleSymbols: number;
  readonly explicitHeader: boolean;
  readonly crc: boolean;
  readonly lowDataRateOptimize: boolean;
  /** IQ inverted (transmit side for a frame, receive side for a listener). */
  readonly invertIq: boolean;
  /** Sync word as the 16-bit SX126x register pair (radios.md §3.5): 0x1424 for LoRa 0x12. */
  readonly syncWord: number;
  /** Implicit-header payload length the receiver expects (listeners only). */
  readonly implicitLength?: number;
}

export interface AirFrame {
  readonly id: number;
  readonly sender: string;
  readonly bytes: Uint8Array;
  readonly modem: AirModem;
  readonly powerDbm: number;
  readonly start: number;
  /** Scheduled end; earlier if the sender aborted. */
  end: number;
  aborted: boolean;
}

/** What a locked receiver gets at the end of a frame. */
export interface AirReception {
  readonly frame: AirFrame;
  /** Payload as demodulated: a copy of the frame's bytes, or damaged ones when crcError. */
  readonly bytes: Uint8Array;
  readonly rssi: number;
  readonly snr: number;
  /** The frame collided or was corrupted: the chip reports a CRC error (or garbage without CRC). */
  readonly crcError: boolean;
  /** Whether the frame carried a payload CRC (from the explicit header). */
  readonly crcOn: boolean;
}

/** A chip on the air. */
export interface AirRadio {
  readonly name: string;
  /** Current receive modem, or undefined when not receiving. */
  listening(): AirModem | undefined;
  /** A frame this radio locked on ended while it kept listening. */
  receive(reception: AirReception): void;
}

export interface AirPosition {
  readonly x: number;
  readonly y: number;
  readonly z?: number;
}

/** A link table entry: either fixed RSSI (and optionally SNR), or a path loss applied to the TX power. */
export type AirLink = { readonly rssiDbm: number; readonly snrDb?: number } | { readonly pathLossDb: number };

export interface AirOptions {
  /** Receiver noise figure, dB (default 6, the Meshtasticator value in radios.md §4.2). */
  readonly noiseFigureDb?: number;
  /** How much stronger the locked frame must be to survive an overlap, dB (default 6, radios.md §5.9). */
  readonly captureDb?: number;
  /** Path loss when neither a link nor both positions are known, dB (default 100). */
  readonly defaultPathLossDb?: number;
  /** Path-loss exponent of the log-distance model (default 2.7, a suburban value; 2 is free space). */
  readonly pathLossExponent?: number;
  /** Standard deviation of per-frame log-normal fading, dB (default 0: fully deterministic links). */
  readonly fadingSigmaDb?: number;
  /** Keep at most this many log entries (default 10 000). */
  readonly logLimit?: number;
}

export type AirEventKind = "transmit" | "abort" | "receive" | "collision" | "corrupt" | "weak" | "lost";

export interface AirEvent {
  readonly at: number;
  readonly kind: AirEventKind;
  readonly frame: number;
  readonly sender: string;
  /** Receiver, for per-receiver outcomes. */
  readonly receiver?: string;
  readonly rssi?: number;
  readonly snr?: number;
}

export interface AirStatistics {
  readonly frames: number;
  readonly delivered: number;
  readonly collisions: number;
  readonly corrupted: number;
  /** Receivers that matched the modem but were below the SF's SNR limit. */
  readonly tooWeak: number;
  /** Locks lost because the receiver left receive (or changed modem) before the frame ended. */
  readonly lost: number;
}

interface Member {
  readonly radio: AirRadio;
  position: AirPosition | undefined;
  lock: { frame: AirFrame; rssi: number; snr: number } | undefined;
}

/** LoRa demodulators tolerate a carrier offset of about ±25 % of the bandwidth (model assumption). */
const FREQUENCY_TOLERANCE = 0.25;
/** Free-space loss at 1 m for frequency f (Friis): 20·log10(f) − 147.55 dB. */
function referenceLossDb(frequencyHz: number): number {
  return 20 * Math.log10(frequencyHz) - 147.55;
}

/** Whether a receiver listening with `rx` can demodulate a frame sent with `tx`. */
export function modemsMatch(tx: AirModem, rx: AirModem): boolean {
  return (
    tx.spreadingFactor === rx.spreadingFactor &&
    tx.bandwidthHz === rx.bandwidthHz &&
    tx.syncWord === rx.syncWord &&
    tx.explicitHeader === rx.explicitHeader &&
    tx.invertIq === rx.invertIq &&
    Math.abs(tx.frequencyHz - rx.frequencyHz) <= FREQUENCY_TOLERANCE * rx.bandwidthHz
  );
}

/** Whether two channels overlap in frequency (and so interfere). */
function channelsOverlap(a: AirModem, b: AirModem): boolean {
  return Math.abs(a.frequencyHz - b.frequencyHz) < (a.bandwidthHz + b.bandwidthHz) / 2;
}

/** Time on air of `length` bytes with `modem`, ms (core airtime, explicit LDRO). */
export function airtimeOf(modem: AirModem, length: number): number {
  return airtimeMs(
    {
      sf: modem.spreadingFactor,
      bandwidthHz: modem.bandwidthHz,
      codingRate: modem.codingRate,
      preambleSymbols: modem.preambleSymbols,
      explicitHeader: modem.explicitHeader,
      crc: modem.crc,
      lowDataRateOptimize: modem.lowDataRateOptimize,
    },
    length,
  );
}

export class Air {
  readonly clock: VirtualClock;
  readonly log: AirEvent[] = [];
  readonly #options: Required<AirOptions>;
  readonly #members = new Map<string, Member>();
  readonly #links = new Map<string, AirLink>();
  readonly #corruptions = new Map<string, number>();
  readonly #rng: SeededRng;
  /** Frames on the air or recently ended (kept while they can still overlap a live frame). */
  #frames: AirFrame[] = [];
  readonly #ends = new Map<number, ClockEvent>();
  #nextId = 1;
  #stats = { frames: 0, delivered: 0, collisions: 0, corrupted: 0, tooWeak: 0, lost: 0 };

  constructor(clock: VirtualClock, options: AirOptions = {}) {
    this.clock = clock;
    this.#options = {
      noiseFigureDb: options.noiseFigureDb ?? 6,
      captureDb: options.captureDb ?? 6,
      defaultPathLossDb: options.defaultPathLossDb ?? 100,
      pathLossExponent: options.pathLossExponent ?? 2.7,
      fadingSigmaDb: options.fadingSigmaDb ?? 0,
      logLimit: options.logLimit ?? 10_000,
    };
    this.#rng = clock.rng.fork("air");
  }

  get statistics(): AirStatistics {
    return { ...this.#stats };
  }

  join(radio: AirRadio, position?: AirPosition): void {
    if (this.#members.has(radio.name)) throw new Error(`air: a radio named "${radio.name}" already joined`);
    this.#members.set(radio.name, { radio, position, lock: undefined });
  }

  leave(radio: AirRadio): void {
    this.#members.delete(radio.name);
  }

  setPosition(name: string, position: AirPosition): void {
    this.#member(name).position = position;
  }

  /** Sets the link from `from` to `to` (and back, unless `symmetric` is false). */
  setLink(from: string, to: string, link: AirLink, symmetric = true): void {
    this.#links.set(`${from}\u0000${to}`, link);
    if (symmetric) this.#links.set(`${to}\u0000${from}`, link);
  }

  /** The next `count` frames `receiver` locks on arrive damaged (CRC error), for tests. */
  corruptNext(receiver: string, count = 1): void {
    this.#corruptions.set(receiver, (this.#corruptions.get(receiver) ?? 0) + count);
  }

  /** RSSI and SNR at `to` of a `powerDbm` transmission from `from` on `modem` (no fading). */
  linkBudget(from: string, to: string, powerDbm: number, modem: AirModem): { rssi: number; snr: number } {
    const noise = noiseFloorDbm(modem.bandwidthHz, this.#options.noiseFigureDb);
    const link = this.#links.get(`${from}\u0000${to}`);
    if (link !== undefined && "rssiDbm" in link) return { rssi: link.rssiDbm, snr: link.snrDb ?? link.rssiDbm - noise };
    const loss = link !== undefined ? link.pathLossDb : this.#pathLoss(from, to, modem.frequencyHz);
    const rssi = powerDbm - loss;
    return { rssi, snr: rssi - noise };
  }

  /** Puts a frame on the air now; it ends after its airtime. Receivers matching it lock on. */
  transmit(sender: AirRadio, bytes: Uint8Array, modem: AirModem, powerDbm: number): AirFrame {
    const start = this.clock.now();
    const frame: AirFrame = {
      id: this.#nextId++,
      sender: sender.name,
      bytes: bytes.slice(),
      modem,
      powerDbm,
      start,
      end: start + airtimeOf(modem, bytes.length),
      aborted: false,
    };
    this.#stats.frames++;
    this.#record({ at: start, kind: "transmit", frame: frame.id, sender: frame.sender });
    this.#frames.push(frame);
    for (const member of this.#members.values()) {
      if (member.radio === sender || member.lock !== undefined) continue;
      const rx = member.radio.listening();
      if (rx === undefined || !modemsMatch(modem, rx)) continue;
      const { rssi, snr } = this.#faded(this.linkBudget(frame.sender, member.radio.name, powerDbm, modem));
      if (snr < SNR_LIMIT_DB[modem.spreadingFactor]) {
        this.#stats.tooWeak++;
        this.#record({ at: start, kind: "weak", frame: frame.id, sender: frame.sender, receiver: member.radio.name, rssi, snr });
        continue;
      }
      member.lock = { frame, rssi, snr };
    }
    this.#ends.set(frame.id, this.clock.after(frame.end - start, () => this.#end(frame)));
    return frame;
  }

  /** The sender stopped transmitting early (mode change): the frame ends now and nobody receives it. */
  abort(frame: AirFrame): void {
    if (frame.aborted || this.clock.now() >= frame.end) return;
    frame.aborted = true;
    frame.end = this.clock.now();
    this.#record({ at: frame.end, kind: "abort", frame: frame.id, sender: frame.sender });
    const event = this.#ends.get(frame.id);
    if (event !== undefined) this.clock.clear(event);
    this.#end(frame);
  }

  /** A radio left receive or changed its modem: it loses any frame it was locked on. */
  retuned(radio: AirRadio): void {
    const member = this.#members.get(radio.name);
    if (member?.lock === undefined) return;
    this.#stats.lost++;
    this.#record({ at: this.clock.now(), kind: "lost", frame: member.lock.frame.id, sender: member.lock.frame.sender, receiver: radio.name });
    member.lock = undefined;
  }

  /** Whether `radio` listening with `modem` sees LoRa activity (preamble or data) during [from, to]. */
  channelActivity(radio: AirRadio, modem: AirModem, from: number, to: number): boolean {
    return this.#frames.some(
      (f) =>
        f.sender !== radio.name &&
        f.start < to &&
        f.end > from &&
        f.modem.spreadingFactor === modem.spreadingFactor &&
        f.modem.bandwidthHz === modem.bandwidthHz &&
        Math.abs(f.modem.frequencyHz - modem.frequencyHz) <= FREQUENCY_TOLERANCE * modem.bandwidthHz &&
        this.linkBudget(f.sender, radio.name, f.powerDbm, f.modem).snr >= SNR_LIMIT_DB[modem.spreadingFactor],
    );
  }

  /** Whether `radio` is locked on a frame in progress (the chips' "signal detected"). */
  receiving(radio: AirRadio): boolean {
    return this.#members.get(radio.name)?.lock !== undefined;
  }

  #end(frame: AirFrame): void {
    this.#ends.delete(frame.id);
    for (const member of this.#members.values()) {
      const lock = member.lock;
      if (lock?.frame !== frame) continue;
      member.lock = undefined;
      const rx = member.radio.listening();
      if (frame.aborted || rx === undefined || !modemsMatch(frame.modem, rx)) continue;
      member.radio.receive(this.#reception(member, lock, rx));
    }
    // Forget frames that ended before every frame still on the air started.
    const now = this.clock.now();
    const oldestLive = Math.min(now, ...this.#frames.filter((f) => f.end > now).map((f) => f.start));
    this.#frames = this.#frames.filter((f) => f.end >= oldestLive);
  }

  #reception(member: Member, lock: { frame: AirFrame; rssi: number; snr: number }, rx: AirModem): AirReception {
    const { frame, rssi, snr } = lock;
    const name = member.radio.name;
    const at = this.clock.now();
    const collided = this.#frames.some(
      (other) =>
        other !== frame &&
        other.sender !== name &&
        other.start < frame.end &&
        other.end > frame.start &&
        other.modem.spreadingFactor === frame.modem.spreadingFactor &&
        channelsOverlap(other.modem, frame.modem) &&
        rssi - this.linkBudget(other.sender, name, other.powerDbm, other.modem).rssi < this.#options.captureDb,
    );
    const pending = this.#corruptions.get(name) ?? 0;
    if (pending > 0) this.#corruptions.set(name, pending - 1);
    // Implicit header: the receiver must already know length, coding rate and CRC; LDRO must agree.
    const mismatch =
      frame.modem.lowDataRateOptimize !== rx.lowDataRateOptimize ||
      (!rx.explicitHeader &&
        (frame.modem.codingRate !== rx.codingRate || frame.modem.crc !== rx.crc || frame.bytes.length !== rx.implicitLength));
    const damaged = collided || pending > 0 || mismatch;
    let bytes = frame.bytes.slice();
    if (!rx.explicitHeader && rx.implicitLength !== undefined && rx.implicitLength !== bytes.length) {
      const resized = new Uint8Array(rx.implicitLength);
      resized.set(bytes.subarray(0, rx.implicitLength));
      bytes = resized;
    }
    if (damaged) {
      for (let i = 0; i < bytes.length; i++) bytes[i] ^= 0x5a; // deterministic damage
      if (collided) this.#stats.collisions++;
      else this.#stats.corrupted++;
    } else {
      this.#stats.delivered++;
    }
    const kind: AirEventKind = collided ? "collision" : damaged ? "corrupt" : "receive";
    this.#record({ at, kind, frame: frame.id, sender: frame.sender, receiver: name, rssi, snr });
    const crcOn = rx.explicitHeader ? frame.modem.crc : rx.crc;
    return { frame, bytes, rssi, snr, crcError: damaged && crcOn, crcOn };
  }

  #member(name: string): Member {
    const member = this.#members.get(name);
    if (member === undefined) throw new Error(`air: no radio named "${name}"`);
    return member;
  }

  #pathLoss(from: string, to: string, frequencyHz: number): number {
    const a = this.#members.get(from)?.position;
    const b = this.#members.get(to)?.position;
    if (a === undefined || b === undefined) return this.#options.defaultPathLossDb;
    const d = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y, (a.z ?? 0) - (b.z ?? 0)));
    return referenceLossDb(frequencyHz) + 10 * this.#options.pathLossExponent * Math.log10(d);
  }

  #faded(link: { rssi: number; snr: number }): { rssi: number; snr: number } {
    const sigma = this.#options.fadingSigmaDb;
    if (sigma === 0) return link;
    const fade = sigma * randNormal(this.#rng);
    return { rssi: link.rssi + fade, snr: link.snr + fade };
  }

  #record(event: AirEvent): void {
    this.log.push(event);
    if (this.log.length > this.#options.logLimit) this.log.splice(0, this.log.length - this.#options.logLimit);
  }
}

/** Symbol time of a modem, ms (for CAD durations). */
export function modemSymbolMs(modem: AirModem): number {
  return symbolTimeMs(modem.spreadingFactor, modem.bandwidthHz);
}
