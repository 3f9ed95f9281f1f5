// NMEA 0183 parser on real-format sentences. Runs on Node and on XS (the device's engine).
// The two "classic" sentences are the widely published GGA/RMC examples with their checksums
// (*47, *6A), which checks the XOR (the parser's and the host GPS source's framing) against an
// outside value; the rest are framed by the host GPS source (src/host/gps-source.ts).
import { nmeaSentence } from "../../src/host/gps-source";
import { NmeaParser, type GpsState } from "../../src/app/gps/nmea";
import { suite, type Assert } from "./harness";

const CLASSIC_GGA = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n";
const CLASSIC_RMC = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n";

/** "$" + body + "*" + checksum + CR LF. */
export const sentence = nmeaSentence;

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

function feed(text: string): NmeaParser {
  const p = new NmeaParser();
  p.push(ascii(text));
  return p;
}

function hasPosition(s: GpsState): boolean {
  return s.latitude !== undefined || s.longitude !== undefined;
}

function expectFix(t: Assert, s: GpsState, lat: number, lon: number): void {
  t.ok(s.hasFix, "has fix");
  t.near(s.latitude as number, lat, 1e-9, "latitude");
  t.near(s.longitude as number, lon, 1e-9, "longitude");
}

export default suite("app: NMEA parser", {
  "classic GGA: 48°07.038' N 11°31.000' E, 8 satellites, HDOP 0.9, 545.4 m"(t) {
    const p = feed(CLASSIC_GGA);
    expectFix(t, p.state, 48 + 7.038 / 60, 11 + 31 / 60);
    t.equal(p.state.satellites, 8);
    t.equal(p.state.hdop, 0.9);
    t.equal(p.state.altitudeM, 545.4);
    t.equal(p.state.utcSeconds, 12 * 3600 + 35 * 60 + 19);
    t.equal(p.counters.accepted, 1);
  },
  "classic RMC: fix, date 23 March 1994"(t) {
    const p = feed(CLASSIC_RMC);
    expectFix(t, p.state, 48 + 7.038 / 60, 11 + 31 / 60);
    t.deepEqual(p.state.date, { year: 1994, month: 3, day: 23 });
    t.equal(p.state.source, "RMC");
  },
  "u-blox style GN talker, south and west hemispheres are negative"(t) {
    const p = feed(sentence("GNGGA,092725.00,3351.52010,S,15112.79320,W,1,10,0.85,12.0,M,22.1,M,,"));
    expectFix(t, p.state, -(33 + 51.5201 / 60), -(151 + 12.7932 / 60));
  },
  "GGA quality 0 drops the position; a later fix restores it"(t) {
    const p = feed(CLASSIC_GGA + sentence("GPGGA,123520,,,,,0,00,99.99,,M,,M,,"));
    t.equal(p.state.hasFix, false);
    t.ok(!hasPosition(p.state), "no position without a fix");
    t.equal(p.state.satellites, 0);
    p.push(ascii(CLASSIC_GGA));
    t.ok(p.state.hasFix);
  },
  "GGA quality 6 (dead reckoning) is not a fix"(t) {
    const p = feed(sentence("GPGGA,123519,4807.038,N,01131.000,E,6,00,,545.4,M,46.9,M,,"));
    t.equal(p.state.hasFix, false);
    t.ok(!hasPosition(p.state));
    t.equal(p.counters.accepted, 1);
  },
  "RMC status V and mode N are not fixes"(t) {
    const v = feed(sentence("GPRMC,123519,V,4807.038,N,01131.000,E,,,230394,,"));
    t.equal(v.state.hasFix, false);
    const n = feed(sentence("GNRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,N"));
    t.equal(n.state.hasFix, false);
    t.ok(!hasPosition(n.state));
  },
  "bad checksum: counted, dropped, state untouched"(t) {
    const p = feed(CLASSIC_GGA.replace("*47", "*48"));
    t.equal(p.counters.badChecksum, 1);
    t.equal(p.counters.accepted, 0);
    t.ok(!p.state.hasFix && !hasPosition(p.state));
  },
  "a corrupted character breaks the checksum"(t) {
    const p = feed(CLASSIC_GGA.replace("4807.038", "4807.039"));
    t.equal(p.counters.badChecksum, 1);
    t.ok(!hasPosition(p.state));
  },
  "missing or malformed checksum is dropped"(t) {
    const p = feed("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,\r\n" + CLASSIC_GGA.replace("*47", "*4") + CLASSIC_GGA.replace("*47", "*4G"));
    t.equal(p.counters.missingChecksum, 1);
    t.equal(p.counters.malformed, 2);
    t.equal(p.counters.accepted, 0);
  },
  "oversized sentence (over 82 characters) is dropped and the next one still parses"(t) {
    const long = sentence("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,," + ",".repeat(30));
    t.ok(long.length > 82, "test sentence is oversized");
    const p = feed(long + CLASSIC_GGA);
    t.equal(p.counters.oversized, 1);
    t.equal(p.counters.accepted, 1);
  },
  "exactly 82 characters is accepted"(t) {
    const base = "GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00";
    const body = base + ",".repeat(82 - 6 - base.length);
    const s = sentence(body);
    t.equal(s.length, 82);
    const p = feed(s);
    t.equal(p.counters.oversized, 0);
    t.equal(p.counters.ignored, 1);
  },
  "a sentence cut short by a new $ is dropped, the new one parsed"(t) {
    const p = feed("$GPGGA,123519,4807.03" + CLASSIC_RMC);
    t.equal(p.counters.malformed, 1);
    t.equal(p.counters.accepted, 1);
    t.equal(p.state.source, "RMC");
  },
  "binary bytes inside a sentence drop it; bytes between sentences are noise"(t) {
    const p = new NmeaParser();
    p.push(Uint8Array.of(0xb5, 0x62, 0x01, 0x07, 0x00));
    p.push(ascii("$GPGGA,1235"));
    p.push(Uint8Array.of(0x00, 0xff));
    p.push(ascii("19,4807.038,N*00\r\n" + CLASSIC_GGA));
    t.equal(p.counters.noise, 5);
    t.equal(p.counters.malformed, 1);
    t.equal(p.counters.accepted, 1);
    t.ok(p.state.hasFix);
  },
  "checksummed but impossible fields are malformed: minutes ≥ 60, latitude > 90, bad hemisphere"(t) {
    const p = feed(
      sentence("GPGGA,123519,4867.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") +
        sentence("GPGGA,123519,9107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") +
        sentence("GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") +
        sentence("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,5e2,M,46.9,M,,") +
        sentence("GPGGA,123519,4807.038,N,,,1,08,0.9,545.4,M,46.9,M,,") +
        sentence("GPRMC,126519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"),
    );
    t.equal(p.counters.malformed, 6);
    t.equal(p.counters.accepted, 0);
    t.ok(!hasPosition(p.state));
  },
  "other sentence types are ignored, not counted as bad"(t) {
    const p = feed(sentence("GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1") + sentence("PUBX,00,081350.00,4717.113210,N") + sentence("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K"));
    t.equal(p.counters.ignored, 3);
    t.equal(p.dropped, 0);
  },
  "LF-only line ends and lower-case checksum digits work"(t) {
    const p = feed(CLASSIC_RMC.replace("*6A\r\n", "*6a\n"));
    t.equal(p.counters.accepted, 1);
  },
  "onUpdate sees each accepted sentence in order"(t) {
    const seen: string[] = [];
    const p = new NmeaParser({ onUpdate: (s) => seen.push(`${s.source}:${s.hasFix}`) });
    p.push(ascii(CLASSIC_GGA + sentence("GPGGA,123520,,,,,0,00,,,M,,M,,") + CLASSIC_RMC));
    t.deepEqual(seen, ["GGA:true", "GGA:false", "RMC:true"]);
  },
  "RMC keeps the GGA-only fields it does not speak about"(t) {
    const p = feed(CLASSIC_GGA + CLASSIC_RMC);
    t.equal(p.state.satellites, 8);
    t.equal(p.state.source, "RMC");
  },
  "byte-by-byte feeding gives the same result as one chunk"(t) {
    const text = "junk\r\n" + CLASSIC_GGA + CLASSIC_RMC.replace("*6A", "*00") + CLASSIC_RMC;
    const whole = feed(text);
    const bytes = new NmeaParser();
    for (const b of ascii(text)) bytes.push(Uint8Array.of(b));
    t.deepEqual(bytes.state, whole.state);
    t.deepEqual(bytes.counters, whole.counters);
  },
  "ArrayBuffer input (what the ESP32 UART delivers) is accepted"(t) {
    const p = new NmeaParser();
    p.push(ascii(CLASSIC_GGA).buffer as ArrayBuffer);
    t.ok(p.state.hasFix);
  },
});
