// Streaming NMEA 0183 parser for the GPS UART: bytes in (any chunking), fix state and position out.
//
// Framing (NMEA 0183): a sentence is "$" + address + "," fields + "*" + two hex digits of the XOR
// of every character between "$" and "*", ended by CR LF, at most 82 characters including "$"
// and CR LF. Sentences without a checksum, with a wrong one, longer than the limit, with
// characters outside printable ASCII, cut short by a new "$", or with fields that do not parse
// are counted and dropped. Nothing here throws on input, and a position is reported only from
// a checksummed GGA or RMC sentence that says it has a fix.
//
// GGA (fix data): time, lat, N/S, lon, E/W, quality, satellites, HDOP, altitude, M, …
//   quality 0 = no fix; 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK are fixes; 6 estimated
//   (dead reckoning), 7 manual, 8 simulator are not measurements and count as no fix.
// RMC (recommended minimum): time, status A/V, lat, N/S, lon, E/W, speed, course, date ddmmyy,
//   magnetic variation, E/W, mode (NMEA 2.3+: A autonomous, D differential, E estimated,
//   M manual, S simulator, N not valid, F/R RTK, P precise). Status A and a measured mode = fix.
//
// Pure logic: no host or Moddable imports, ES2022 library only; the app feeds it from the UART.

/** Longest sentence NMEA 0183 allows, counting "$" and CR LF. */
export const NMEA_MAX_SENTENCE = 82;

export interface GpsDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** What the receiver last told us. Position fields are present only while there is a fix. */
export interface GpsState {
  readonly hasFix: boolean;
  /** Degrees, north positive. */
  readonly latitude?: number;
  /** Degrees, east positive. */
  readonly longitude?: number;
  /** Metres above mean sea level (GGA). */
  readonly altitudeM?: number;
  readonly satellites?: number;
  readonly hdop?: number;
  /** UTC seconds since midnight of the last accepted sentence that carried a time. */
  readonly utcSeconds?: number;
  /** UTC date from the last RMC that carried one. */
  readonly date?: GpsDate;
  /** Sentence type of the last accepted update. */
  readonly source?: "GGA" | "RMC";
}

export interface NmeaCounters {
  /** Bytes fed in. */
  bytes: number;
  /** Sentences framed (started with "$" and ended or cut off). */
  sentences: number;
  /** GGA/RMC sentences that passed every check and updated the state. */
  accepted: number;
  /** Valid sentences of types we do not use (GSV, GSA, VTG, proprietary …). */
  ignored: number;
  badChecksum: number;
  missingChecksum: number;
  oversized: number;
  /** Non-printable bytes, truncation by a new "$", or GGA/RMC fields that do not parse. */
  malformed: number;
  /** Bytes outside any sentence (line noise, binary protocol traffic). */
  noise: number;
}

export interface NmeaParserOptions {
  /** Called after every accepted GGA/RMC with the new state. Exceptions in it are not caught. */
  readonly onUpdate?: (state: GpsState) => void;
  /** Sentence length limit including "$" and CR LF (default 82 per NMEA 0183). */
  readonly maxSentence?: number;
}

const DOLLAR = 0x24;
const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;

// A frozen object rather than an enum: tsc compiles enums (const ones too, under isolatedModules)
// to a mutable `var`, which xsl cannot keep in flash.
const Mode = Object.freeze({
  Idle: 0,
  InSentence: 1,
  /** Dropping the rest of a bad sentence until the next "$" or line end. */
  Skipping: 2,
} as const);
type Mode = (typeof Mode)[keyof typeof Mode];

const DECIMAL = /^\d+(?:\.\d+)?$/;
const SIGNED_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const INTEGER = /^\d+$/;
const LATITUDE = /^(\d{2})(\d{2}(?:\.\d+)?)$/;
const LONGITUDE = /^(\d{3})(\d{2}(?:\.\d+)?)$/;
const TIME = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/;
const DATE = /^(\d{2})(\d{2})(\d{2})$/;
const ADDRESS = /^[A-Z0-9]{2,6}$/;

const GGA_FIX_QUALITIES = new Set([1, 2, 3, 4, 5]);
const RMC_MEASURED_MODES = new Set(["A", "D", "F", "R", "P"]);

/** Thrown inside the parser only, to reject a field; never escapes push(). */
class FieldError extends Error {}

export class NmeaParser {
  readonly #buffer: Uint8Array;
  readonly #onUpdate: ((state: GpsState) => void) | undefined;
  #length = 0;
  #mode: Mode = Mode.Idle;
  #state: GpsState = { hasFix: false };
  readonly #counters: NmeaCounters = {
    bytes: 0,
    sentences: 0,
    accepted: 0,
    ignored: 0,
    badChecksum: 0,
    missingChecksum: 0,
    oversized: 0,
    malformed: 0,
    noise: 0,
  };

  constructor(options: NmeaParserOptions = {}) {
    const max = options.maxSentence ?? NMEA_MAX_SENTENCE;
    if (!Number.isInteger(max) || max < 16 || max > 1024) throw new RangeError(`maxSentence must be 16..1024, got ${max}`);
    // Stored without CR LF.
    this.#buffer = new Uint8Array(max - 2);
    this.#onUpdate = options.onUpdate;
  }

  get state(): GpsState {
    return this.#state;
  }

  /** A copy of the counters. */
  get counters(): NmeaCounters {
    return { ...this.#counters };
  }

  /** Sentences dropped as bad, over all reasons. */
  get dropped(): number {
    const c = this.#counters;
    return c.badChecksum + c.missingChecksum + c.oversized + c.malformed;
  }

  /** Feeds received bytes. Accepts any chunking; never throws on content. */
  push(chunk: Uint8Array | ArrayBuffer): void {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    this.#counters.bytes += bytes.length;
    for (let i = 0; i < bytes.length; i++) this.#byte(bytes[i]);
  }

  #byte(b: number): void {
    if (b === DOLLAR) {
      // "$" is reserved for sentence starts: whatever was open is cut short.
      if (this.#mode === Mode.InSentence) this.#counters.malformed++;
      this.#counters.sentences++;
      this.#mode = Mode.InSentence;
      this.#length = 0;
      return;
    }
    switch (this.#mode) {
      case Mode.Idle:
        if (b !== CR && b !== LF) this.#counters.noise++;
        return;
      case Mode.Skipping:
        if (b === CR || b === LF) this.#mode = Mode.Idle;
        return;
      case Mode.InSentence:
        if (b === CR || b === LF) {
          this.#mode = Mode.Idle;
          this.#finish();
          return;
        }
        if (b < 0x20 || b > 0x7e) {
          this.#counters.malformed++;
          this.#mode = Mode.Skipping;
          return;
        }
        if (this.#length + 1 >= this.#buffer.length) {
          // +1 for the "$" that is not stored.
          this.#counters.oversized++;
          this.#mode = Mode.Skipping;
          return;
        }
        this.#buffer[this.#length++] = b;
        return;
    }
  }

  #finish(): void {
    const buf = this.#buffer;
    const n = this.#length;
    let star = -1;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (buf[i] === STAR) {
        star = i;
        break;
      }
      sum ^= buf[i];
    }
    if (star < 0) {
      this.#counters.missingChecksum++;
      return;
    }
    const given = star + 3 === n ? hexByte(buf[star + 1], buf[star + 2]) : -1;
    if (given < 0) {
      this.#counters.malformed++;
      return;
    }
    if (given !== sum) {
      this.#counters.badChecksum++;
      return;
    }
    let text = "";
    for (let i = 0; i < star; i++) text += String.fromCharCode(buf[i]);
    const fields = text.split(",");
    const address = fields[0];
    if (!ADDRESS.test(address)) {
      this.#counters.malformed++;
      return;
    }
    const type = address.length === 5 && address[0] !== "P" ? address.slice(2) : "";
    let next: GpsState | undefined;
    try {
      if (type === "GGA") next = parseGga(fields, this.#state);
      else if (type === "RMC") next = parseRmc(fields, this.#state);
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      this.#counters.malformed++;
      return;
    }
    if (next === undefined) {
      this.#counters.ignored++;
      return;
    }
    this.#counters.accepted++;
    this.#state = next;
    this.#onUpdate?.(next);
  }
}
Object.freeze(NmeaParser.prototype);

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function hexByte(hi: number, lo: number): number {
  const h = hexDigit(hi);
  const l = hexDigit(lo);
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

function field(fields: readonly string[], i: number): string {
  return i < fields.length ? fields[i] : "";
}

function optionalNumber(text: string, pattern: RegExp): number | undefined {
  if (text === "") return undefined;
  if (!pattern.test(text)) throw new FieldError(`bad number "${text}"`);
  return Number(text);
}

/** The numeric capture groups of a fixed-format field; undefined when the field is empty. */
function groups(text: string, pattern: RegExp, what: string): number[] | undefined {
  if (text === "") return undefined;
  const m = pattern.exec(text);
  if (m === null) throw new FieldError(`bad ${what} "${text}"`);
  return m.slice(1).map(Number);
}

function utcSeconds(text: string): number | undefined {
  const g = groups(text, TIME, "time");
  if (g === undefined) return undefined;
  const [h, min, s] = g;
  // 60 allows a leap second.
  if (h > 23 || min > 59 || s >= 61) throw new FieldError(`bad time "${text}"`);
  return h * 3600 + min * 60 + s;
}

/** Parses ddmm.mmmm / dddmm.mmmm with its hemisphere into signed degrees; both empty = undefined. */
function coordinate(value: string, hemisphere: string, latitude: boolean): number | undefined {
  if (value === "" && hemisphere === "") return undefined;
  const m = (latitude ? LATITUDE : LONGITUDE).exec(value);
  if (m === null) throw new FieldError(`bad coordinate "${value}"`);
  const degrees = Number(m[1]);
  const minutes = Number(m[2]);
  const limit = latitude ? 90 : 180;
  if (minutes >= 60) throw new FieldError(`bad minutes "${value}"`);
  const abs = degrees + minutes / 60;
  if (abs > limit) throw new FieldError(`out of range "${value}"`);
  const [positive, negative] = latitude ? ["N", "S"] : ["E", "W"];
  if (hemisphere === positive) return abs;
  if (hemisphere === negative) return -abs;
  throw new FieldError(`bad hemisphere "${hemisphere}"`);
}

function position(fields: readonly string[], at: number): { lat: number; lon: number } | undefined {
  const lat = coordinate(field(fields, at), field(fields, at + 1), true);
  const lon = coordinate(field(fields, at + 2), field(fields, at + 3), false);
  if (lat === undefined || lon === undefined) {
    if (lat !== lon) throw new FieldError("latitude without longitude");
    return undefined;
  }
  return { lat, lon };
}

/** Keeps what a no-fix sentence does not speak about, drops the position. */
function withoutFix(previous: GpsState, update: Partial<GpsState>): GpsState {
  const { latitude: _lat, longitude: _lon, altitudeM: _alt, ...rest } = previous;
  return { ...rest, ...definedOnly(update), hasFix: false };
}

function definedOnly(o: Partial<GpsState>): Partial<GpsState> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<GpsState>;
}

function parseGga(fields: readonly string[], previous: GpsState): GpsState {
  if (fields.length < 10) throw new FieldError("GGA: too few fields");
  const time = utcSeconds(field(fields, 1));
  const pos = position(fields, 2);
  const qualityText = field(fields, 6);
  const quality = qualityText === "" ? 0 : optionalNumber(qualityText, INTEGER) ?? 0;
  const satellites = optionalNumber(field(fields, 7), INTEGER);
  const hdop = optionalNumber(field(fields, 8), DECIMAL);
  const altitudeM = optionalNumber(field(fields, 9), SIGNED_DECIMAL);
  const common = { utcSeconds: time, satellites, hdop, source: "GGA" as const };
  if (!GGA_FIX_QUALITIES.has(quality)) return withoutFix(previous, common);
  if (pos === undefined) throw new FieldError("GGA: fix without a position");
  return { ...previous, ...definedOnly({ ...common, altitudeM }), hasFix: true, latitude: pos.lat, longitude: pos.lon };
}

function parseRmc(fields: readonly string[], previous: GpsState): GpsState {
  if (fields.length < 10) throw new FieldError("RMC: too few fields");
  const time = utcSeconds(field(fields, 1));
  const status = field(fields, 2);
  if (status !== "A" && status !== "V") throw new FieldError(`RMC: bad status "${status}"`);
  const pos = position(fields, 3);
  optionalNumber(field(fields, 7), DECIMAL); // speed: validated, not used
  optionalNumber(field(fields, 8), DECIMAL); // course: validated, not used
  const date = rmcDate(field(fields, 9));
  const mode = field(fields, 12);
  const measured = status === "A" && (mode === "" || RMC_MEASURED_MODES.has(mode));
  const common = { utcSeconds: time, date, source: "RMC" as const };
  if (!measured) return withoutFix(previous, common);
  if (pos === undefined) throw new FieldError("RMC: fix without a position");
  return { ...previous, ...definedOnly(common), hasFix: true, latitude: pos.lat, longitude: pos.lon };
}

function rmcDate(text: string): GpsDate | undefined {
  const g = groups(text, DATE, "date");
  if (g === undefined) return undefined;
  const [day, month, yy] = g;
  // Two-digit year, pivoted at the GPS epoch (1980): 80..99 → 19xx, 00..79 → 20xx.
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  if (day < 1 || day > 31 || month < 1 || month > 12) throw new FieldError(`bad date "${text}"`);
  return { year, month, day };
}
