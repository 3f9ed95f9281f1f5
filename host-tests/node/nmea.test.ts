// NMEA parser properties (fast-check). The example-based cases are in
// host-tests/shared/nmea.cases.ts and run on Node and on XS.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NmeaParser } from "../../src/app/gps/nmea";
import { ascii, sentence } from "../shared/nmea.cases";

/** ddmm.mmmmm / dddmm.mmmmm text for a signed coordinate, as a receiver prints it. */
function nmeaCoordinate(value: number, degreeDigits: number): [string, string] {
  const abs = Math.abs(value);
  let degrees = Math.floor(abs);
  let minutes = Math.round((abs - degrees) * 60 * 1e5) / 1e5;
  if (minutes >= 60) {
    degrees += 1;
    minutes = 0;
  }
  const text = String(degrees).padStart(degreeDigits, "0") + minutes.toFixed(5).padStart(8, "0");
  return [text, value < 0 ? (degreeDigits === 2 ? "S" : "W") : degreeDigits === 2 ? "N" : "E"];
}

function gga(lat: number, lon: number): string {
  const [la, ns] = nmeaCoordinate(lat, 2);
  const [lo, ew] = nmeaCoordinate(lon, 3);
  return sentence(`GNGGA,101010.00,${la},${ns},${lo},${ew},1,07,1.2,100.0,M,47.0,M,,`);
}

const latitude = fc.double({ min: -89.999, max: 89.999, noNaN: true });
const longitude = fc.double({ min: -179.999, max: 179.999, noNaN: true });

describe("NMEA parser properties", () => {
  test("random bytes never throw and never produce a position", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const p = new NmeaParser();
        for (const c of chunks) p.push(c);
        return p.state.latitude === undefined && p.state.longitude === undefined && !p.state.hasFix;
      }),
      { numRuns: 2000 },
    );
  });

  test("random printable text framed like NMEA (with $, *, CR LF) never throws or fixes", () => {
    const nmeaish = fc.string({ unit: fc.constantFrom(..."$GPGAR,*0123456789.NSEW\r\nAV-"), maxLength: 400 });
    fc.assert(
      fc.property(nmeaish, (text) => {
        const p = new NmeaParser();
        p.push(ascii(text));
        return !p.state.hasFix && p.state.latitude === undefined;
      }),
      { numRuns: 2000 },
    );
  });

  test("a valid GGA at any position reads back within 1e-6° whatever the chunking", () => {
    fc.assert(
      fc.property(latitude, longitude, fc.array(fc.nat(90), { maxLength: 6 }), (lat, lon, cuts) => {
        const bytes = ascii(gga(lat, lon));
        const p = new NmeaParser();
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          p.push(bytes.subarray(at, Math.max(at, Math.min(cut, bytes.length))));
          at = Math.max(at, Math.min(cut, bytes.length));
        }
        p.push(bytes.subarray(at));
        expect(p.state.hasFix).toBe(true);
        expect(Math.abs((p.state.latitude as number) - lat)).toBeLessThan(1e-6);
        expect(Math.abs((p.state.longitude as number) - lon)).toBeLessThan(1e-6);
      }),
      { numRuns: 500 },
    );
  });

  test("garbage around a valid sentence does not stop it being read", () => {
    const noise = fc.uint8Array({ maxLength: 200 }).map((b) => b.map((x) => (x === 0x24 ? 0x23 : x)));
    fc.assert(
      fc.property(noise, latitude, longitude, (junk, lat, lon) => {
        const p = new NmeaParser();
        p.push(junk);
        p.push(ascii("\r\n" + gga(lat, lon)));
        return p.state.hasFix && Math.abs((p.state.latitude as number) - lat) < 1e-6;
      }),
      { numRuns: 500 },
    );
  });

  test("flipping any one character of a valid sentence never yields a different position", () => {
    const good = gga(52.52, 13.405);
    fc.assert(
      fc.property(fc.nat(good.length - 3), fc.integer({ min: 1, max: 127 }), (index, flip) => {
        const bytes = ascii(good);
        bytes[index] ^= flip;
        const p = new NmeaParser();
        p.push(bytes);
        // Either dropped, or (if the flip kept the checksum and the fields valid) the same fix.
        return !p.state.hasFix || Math.abs((p.state.latitude as number) - 52.52) < 1e-6;
      }),
      { numRuns: 1000 },
    );
  });
});
