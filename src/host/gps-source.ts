// NMEA 0183 sentences a GPS module would send for a fixed position: what the host run feeds into
// a node's GPS UART (CLI --lat/--lon, tests). Framing per NMEA 0183: "$" + body + "*" + the XOR
// of the body's characters as two hex digits + CR LF. ES2022 only (the XS test bundle uses it).

/** Frames a sentence body ("GPGGA,…") with its checksum. */
export function nmeaSentence(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return `$${body}*${x.toString(16).toUpperCase().padStart(2, "0")}\r\n`;
}

/** ddmm.mmmm / dddmm.mmmm with the hemisphere letter. */
function coordinate(value: number, degreeDigits: 2 | 3, positive: string, negative: string): string {
  const abs = Math.abs(value);
  const degrees = Math.floor(abs);
  const minutes = (abs - degrees) * 60;
  return `${String(degrees).padStart(degreeDigits, "0")}${minutes.toFixed(4).padStart(7, "0")},${value < 0 ? negative : positive}`;
}

function hhmmss(utcSeconds: number): string {
  const s = Math.floor(utcSeconds) % 86_400;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}${two(Math.floor(s / 60) % 60)}${two(s % 60)}.00`;
}

export interface FixOptions {
  readonly lat: number;
  readonly lon: number;
  /** UTC seconds since midnight (default 12:00:00). */
  readonly utcSeconds?: number;
  readonly satellites?: number;
}

/** A GGA (fix data) and an RMC (recommended minimum) sentence for a 3D fix at `fix`. */
export function fixSentences(fix: FixOptions): string {
  if (!(Math.abs(fix.lat) <= 90) || !(Math.abs(fix.lon) <= 180)) throw new RangeError(`no position ${fix.lat}, ${fix.lon}: latitude must be within ±90°, longitude within ±180°`);
  const time = hhmmss(fix.utcSeconds ?? 43_200);
  const lat = coordinate(fix.lat, 2, "N", "S");
  const lon = coordinate(fix.lon, 3, "E", "W");
  const sats = String(fix.satellites ?? 8).padStart(2, "0");
  return nmeaSentence(`GPGGA,${time},${lat},${lon},1,${sats},0.9,520.0,M,47.0,M,,`) + nmeaSentence(`GPRMC,${time},A,${lat},${lon},0.0,0.0,010126,,,A`);
}
