// Structural ECMA-419 IO types the radio drivers accept. They describe only what the drivers
// call, so both Moddable's `device.io.SPI` / `device.io.Digital` (cast in boards/common/esp32-io.ts)
// and the host classes in src/host/io.ts fit (moddable.md §3 "Recommended"). Plus the two small
// pin helpers both drivers use to open, describe and release their IO.

/** The part of an ECMA-419 SPI instance the drivers use. Buffers are exchanged in place. */
export interface SpiLike {
  transfer(buffer: Uint8Array): void;
  close(): void;
}

/** SPI constructor options (moddable.md §4.1). NSS is driven by the driver, so `select` is never passed. */
export interface SpiOpenOptions {
  clock: number;
  in?: number;
  out?: number;
  /** ESP32 SPI host; required there (1 = SPI2/HSPI, 2 = SPI3/VSPI). */
  port?: number;
  hz: number;
  mode?: number;
}

export interface SpiClass {
  new (options: SpiOpenOptions): SpiLike;
}

/** An SPI bus descriptor in the Moddable style: the IO class plus its options. */
export interface SpiDescriptor {
  readonly io: SpiClass;
  readonly clock: number;
  readonly in?: number;
  readonly out?: number;
  readonly port?: number;
  readonly hz?: number;
  readonly mode?: number;
}

export interface DigitalLike {
  read(): number;
  write(value: 0 | 1): void;
  close(): void;
}

/** Digital constructor options (moddable.md §4.2). `mode` is one of the class's constants. */
export interface DigitalOpenOptions {
  readonly pin: number;
  readonly mode: number;
  readonly edge?: number;
  /** Runs on the event loop after an edge; `triggered` is the bitmask of pins (edges coalesce). */
  readonly onReadable?: (this: DigitalLike, triggered: number) => void;
}

/**
 * `embedded:io/digital` as the drivers, the boards and the app use it. The typings give the mode
 * constants as `unknown` (moddable.md §3); they are numbers at run time, and the board's IO
 * table (boards/common/esp32-io.ts) states that once.
 */
export interface DigitalClass {
  new (options: DigitalOpenOptions): DigitalLike;
  readonly Input: number;
  readonly Output: number;
  readonly Rising: number;
}

/** A pin descriptor: the Digital class, the pin, and optionally a mode overriding the driver's default. */
export interface PinDescriptor {
  readonly io: DigitalClass;
  readonly pin: number;
  readonly mode?: number;
}

/** SPI clock the drivers ask for unless the caller overrides it: within both chips' limits (SX127x 10 MHz). */
export const DEFAULT_SPI_HZ = 8_000_000;

/** Opens the SPI bus: driver defaults first, caller's descriptor after (Moddable driver convention). */
export function openSpi(descriptor: SpiDescriptor): SpiLike {
  const { io, ...options } = descriptor;
  return new io({ hz: DEFAULT_SPI_HZ, mode: 0, ...options });
}

/** Opens an output pin at `initial` level (written straight away: `initialValue` needs Moddable ≥ 8.2). */
export function openOutput(descriptor: PinDescriptor, initial: 0 | 1): DigitalLike {
  const pin = new descriptor.io({ mode: descriptor.io.Output, ...descriptor });
  pin.write(initial);
  return pin;
}

/** Opens an input pin, optionally calling `onRising` (on the event loop) at each rising edge. */
export function openInput(descriptor: PinDescriptor, onRising?: () => void): DigitalLike {
  const { io } = descriptor;
  if (onRising === undefined) return new io({ mode: io.Input, ...descriptor });
  return new io({ mode: io.Input, ...descriptor, edge: io.Rising, onReadable: onRising });
}

/** Closes every opened IO, ignoring the ones never opened; errors from one do not stop the others. */
export function closeAll(...ios: ({ close(): void } | undefined)[]): void {
  for (const io of ios) {
    try {
      io?.close();
    } catch {
      // Already closed or never fully opened: nothing left to release.
    }
  }
}

/** "SPI port 1 (SCK 5, MISO 19, MOSI 27), NSS 18, RESET 14, DIO0 26": names the pin set in errors. */
export function describePins(spi: SpiDescriptor, pins: Readonly<Record<string, PinDescriptor | undefined>>): string {
  const parts = [`SPI port ${spi.port ?? "default"} (SCK ${spi.clock}, MISO ${spi.in ?? "-"}, MOSI ${spi.out ?? "-"})`];
  for (const [name, pin] of Object.entries(pins)) if (pin !== undefined) parts.push(`${name} ${pin.pin}`);
  return parts.join(", ");
}
