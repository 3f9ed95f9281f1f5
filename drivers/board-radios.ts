// How each supported board wires its LoRa radio: the one place these pin facts live. Used by the
// Moddable board binding (drivers/moddable-radios.ts) and by host runs (src/host/node.ts), so the
// firmware and the emulated nodes agree. Source: meshtastic/firmware variants, as tabulated in
// shared/reference/radios.md §1.1 and moddable.md §5.

import type { DigitalClass, PinDescriptor, SpiClass, SpiDescriptor } from "./io";

export interface RadioWiring {
  /** Driver family: drivers/sx127x or drivers/sx126x. */
  readonly family: "sx127x" | "sx126x";
  readonly chip: "SX1276" | "SX1262";
  readonly spi: { readonly clock: number; readonly in: number; readonly out: number; readonly port: number };
  readonly select: number;
  readonly reset: number;
  /** DIO0 on SX127x, DIO1 on SX126x. */
  readonly interrupt: number;
  /** SX126x BUSY. */
  readonly busy?: number;
  /** SX126x: TCXO supply on DIO3, volts (undefined: crystal). */
  readonly tcxoVoltage?: number;
  /** SX126x: DIO2 drives the RF switch. */
  readonly dio2RfSwitch?: boolean;
}

export type BoardRadioName = "heltec-v2" | "tbeam-sx1276" | "tbeam-sx1262" | "heltec-v3";

/** ESP32 classic default LoRa bus (radios.md §1.3): SCK 5, MISO 19, MOSI 27, SPI2 host. */
const ESP32_LORA_SPI = Object.freeze({ clock: 5, in: 19, out: 27, port: 1 });

export const BOARD_RADIOS: Readonly<Record<BoardRadioName, RadioWiring>> = Object.freeze({
  "heltec-v2": Object.freeze({ family: "sx127x", chip: "SX1276", spi: ESP32_LORA_SPI, select: 18, reset: 14, interrupt: 26 }),
  "tbeam-sx1276": Object.freeze({ family: "sx127x", chip: "SX1276", spi: ESP32_LORA_SPI, select: 18, reset: 23, interrupt: 26 }),
  // T-Beam SX1262 modules share the SX1276 pinout: DIO1 on 33, BUSY on 32 (radios.md §1.1 notes).
  "tbeam-sx1262": Object.freeze({
    family: "sx126x",
    chip: "SX1262",
    spi: ESP32_LORA_SPI,
    select: 18,
    reset: 23,
    interrupt: 33,
    busy: 32,
    tcxoVoltage: 1.8,
    dio2RfSwitch: true,
  }),
  "heltec-v3": Object.freeze({
    family: "sx126x",
    chip: "SX1262",
    spi: Object.freeze({ clock: 9, in: 11, out: 10, port: 1 }),
    select: 8,
    reset: 12,
    interrupt: 14,
    busy: 13,
    tcxoVoltage: 1.8,
    dio2RfSwitch: true,
  }),
});

/** The IO descriptors a driver constructor takes, for `wiring` on the given IO classes. */
export interface RadioDescriptors {
  readonly spi: SpiDescriptor;
  readonly select: PinDescriptor;
  readonly reset: PinDescriptor;
  readonly interrupt: PinDescriptor;
  readonly busy?: PinDescriptor;
  readonly tcxoVoltage?: number;
  readonly dio2RfSwitch?: boolean;
}

export function radioDescriptors(wiring: RadioWiring, io: { readonly SPI: SpiClass; readonly Digital: DigitalClass }): RadioDescriptors {
  const pin = (n: number): PinDescriptor => ({ io: io.Digital, pin: n });
  return {
    spi: { io: io.SPI, ...wiring.spi },
    select: pin(wiring.select),
    reset: pin(wiring.reset),
    interrupt: pin(wiring.interrupt),
    ...(wiring.busy === undefined ? {} : { busy: pin(wiring.busy) }),
    ...(wiring.tcxoVoltage === undefined ? {} : { tcxoVoltage: wiring.tcxoVoltage }),
    ...(wiring.dio2RfSwitch === undefined ? {} : { dio2RfSwitch: wiring.dio2RfSwitch }),
  };
}
