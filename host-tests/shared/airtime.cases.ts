// Airtime against published values: Semtech AN1200.13 worked examples (radios.md §4.1) and the
// Meshtastic preset table (radios.md §4.2, 16-symbol preamble, explicit header, CRC on).
import { airtimeMs, ldroEnabled, payloadSymbols, symbolTimeMs, type LoRaModulation } from "../../src/core/airtime";
import { PRESETS } from "../../src/core/presets";
import { suite } from "./harness";

function bw125(sf: number, preambleSymbols = 8): LoRaModulation {
  return { sf, bandwidthHz: 125_000, codingRate: 5, preambleSymbols, explicitHeader: true, crc: true, lowDataRateOptimize: "auto" };
}

export default suite("airtime", {
  "Semtech: SF9/BW125/CR4-5, 13 B, preamble 8 = 164.864 ms"(t) {
    t.near(airtimeMs(bw125(9), 13), 164.864, 1e-9);
  },
  "Semtech: SF7/BW125, 10 B = 41.216 ms"(t) {
    t.near(airtimeMs(bw125(7), 10), 41.216, 1e-9);
  },
  "Semtech: SF11/BW125 with LDRO, 10 B = 577.536 ms"(t) {
    t.near(airtimeMs(bw125(11), 10), 577.536, 1e-9);
  },
  "Semtech calculator table, BW125 preamble 8"(t) {
    const table: Array<[number, number, number]> = [
      [7, 12, 41.2], [7, 255, 399.6], [8, 50, 174.6], [9, 128, 676.9],
      [10, 64, 698.4], [11, 38, 1069.1], [12, 12, 1155.1], [12, 255, 9019.4],
    ];
    for (const [sf, bytes, ms] of table) t.near(airtimeMs(bw125(sf), bytes), ms, 0.05, `SF${sf} ${bytes} B`);
  },
  "Meshtastic presets (16-symbol preamble)"(t) {
    const table: Array<[keyof typeof PRESETS, number, number]> = [
      ["LONG_FAST", 16, 354.3], ["LONG_FAST", 255, 2156.5], ["SHORT_FAST", 50, 52.9],
      ["MEDIUM_FAST", 100, 293.4], ["LONG_SLOW", 16, 1974.3], ["SHORT_TURBO", 255, 102.0],
      ["LONG_MODERATE", 50, 2035.7], ["MEDIUM_SLOW", 255, 1180.7],
    ];
    for (const [name, bytes, ms] of table) t.near(airtimeMs(PRESETS[name], bytes), ms, 0.05, `${name} ${bytes} B`);
  },
  "LDRO switches on at 16 ms symbols only"(t) {
    t.equal(ldroEnabled(PRESETS.LONG_FAST), false, "SF11/250 is 8.192 ms");
    t.equal(ldroEnabled(PRESETS.LONG_MODERATE), true, "SF11/125 is 16.384 ms");
    t.equal(ldroEnabled({ ...bw125(12), lowDataRateOptimize: false }), false, "forced off");
    t.near(symbolTimeMs(12, 125_000), 32.768, 1e-12);
  },
  "implicit header and no CRC shorten the frame"(t) {
    const m = bw125(7);
    t.ok(payloadSymbols({ ...m, explicitHeader: false }, 20) < payloadSymbols(m, 20));
    t.ok(payloadSymbols({ ...m, crc: false }, 20) < payloadSymbols(m, 20));
  },
  "SX126x SF5/SF6 variant: preamble + 6.25 and no +8 term"(t) {
    // SF6/BW125, CR4/5, 8-symbol preamble, 10 B explicit + CRC:
    // ceil((80 + 16 - 24 + 20)/24) = 4 blocks → 8 + 20 = 28 symbols; preamble 14.25 → 42.25 × 0.512 ms.
    t.near(airtimeMs(bw125(6), 10), 42.25 * 0.512, 1e-9);
  },
  "SX127x SF6 uses the standard formula (SX1276 DS §4.1.1.7)"(t) {
    // SF6/BW125, CR4/5, 8-symbol preamble, 10 B explicit + CRC: ceil((80 − 24 + 28 + 16)/24) = 5
    // blocks → 8 + 25 = 33 symbols; preamble 12.25 → 45.25 × 0.512 ms = 23.168 ms.
    t.near(airtimeMs({ ...bw125(6), family: "sx127x" }, 10), 45.25 * 0.512, 1e-9);
    t.throws(() => airtimeMs({ ...bw125(5), family: "sx127x" }, 10), /SX126x only/);
  },
  "bad parameters are refused with a reason"(t) {
    t.throws(() => airtimeMs(bw125(7), 256), /not 0\.\.255/);
    t.throws(() => airtimeMs(bw125(13), 10), /spreading factor/);
    t.throws(() => airtimeMs({ ...bw125(7), codingRate: 9 }, 10), /coding rate/);
  },
});
