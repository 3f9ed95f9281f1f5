// A board's radio wiring (its profile) as the IO descriptors the real drivers take
// (drivers/sx127x Sx127xOptions, drivers/sx126x Sx126xOptions). The board provider (device.ts)
// and the host's emulated boards (src/host/node.ts) both call this, so the pins a driver is
// opened with come from the profile and nowhere else.
//
// Pure data building: preloaded on the device, never touches hardware.
import type { DigitalClass, PinDescriptor, SpiClass, SpiDescriptor } from "../../drivers/io";
import type { RadioOptions } from "../../drivers/radio";
import type { Sx126xOptions } from "../../drivers/sx126x/sx126x";
import type { Sx127xOptions } from "../../drivers/sx127x/sx127x";
import type { RadioWiring, SpiBus, Sx126xWiring, Sx127xWiring } from "./board-profile";

/** The IO classes a radio driver opens its bus and pins with. */
export interface RadioIo {
  readonly SPI: SpiClass;
  readonly Digital: DigitalClass;
}

/** What a driver needs beyond the caller's RadioOptions (clock, config, callbacks). */
export type Sx127xBoardOptions = Omit<Sx127xOptions, keyof RadioOptions>;
export type Sx126xBoardOptions = Omit<Sx126xOptions, keyof RadioOptions>;

function spiDescriptor(spi: SpiBus, io: RadioIo): SpiDescriptor {
  return { io: io.SPI, clock: spi.clock, in: spi.in, out: spi.out, port: spi.port, hz: spi.hz, mode: spi.mode };
}

/** The driver chooses each pin's mode (outputs for NSS/RESET, inputs for BUSY and the IRQ line). */
function pin(io: RadioIo, n: number): PinDescriptor {
  return { io: io.Digital, pin: n };
}

/**
 * SX127x: DIO0 is the interrupt. DIO1/DIO2 are not passed: the driver reads CadDetected from
 * RegIrqFlags at CadDone (drivers/sx127x/sx127x.ts), so they stay free; the profile keeps them
 * as board facts. Every SX1276 board here has a crystal (radios.md §1.1), so `tcxo` is left off.
 */
export function sx127xBoardOptions(w: Sx127xWiring, spi: SpiBus, io: RadioIo): Sx127xBoardOptions {
  return { spi: spiDescriptor(spi, io), select: pin(io, w.select), reset: pin(io, w.reset), interrupt: pin(io, w.dio0) };
}

/** SX126x: DIO1 is the interrupt, BUSY is polled, TCXO on DIO3 and the DIO2 RF switch as wired. */
export function sx126xBoardOptions(w: Sx126xWiring, spi: SpiBus, io: RadioIo): Sx126xBoardOptions {
  return {
    spi: spiDescriptor(spi, io),
    select: pin(io, w.select),
    reset: pin(io, w.reset),
    busy: pin(io, w.busy),
    interrupt: pin(io, w.dio1),
    dio2RfSwitch: w.dio2RfSwitch,
    ...(w.tcxoVolts === undefined ? {} : { tcxoVoltage: w.tcxoVolts }),
  };
}

export type RadioBoardOptions = Sx127xBoardOptions | Sx126xBoardOptions;

export function radioBoardOptions(w: RadioWiring, spi: SpiBus, io: RadioIo): RadioBoardOptions {
  return w.chip === "sx1276" ? sx127xBoardOptions(w, spi, io) : sx126xBoardOptions(w, spi, io);
}
