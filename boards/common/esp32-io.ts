// The ESP32 ECMA-419 IO classes as the structural IO types the board and app code use.
// Device-only module (imports Moddable built-ins); host code builds a device from its own IO.
import Analog from "embedded:io/analog";
import Digital from "embedded:io/digital";
import Serial from "embedded:io/serial";
import SMBus from "embedded:io/smbus";
import SPI from "embedded:io/spi";
import Timer from "timer";
import type { SMBusConstructor } from "../../drivers/axp192/axp192";
import type { SpiClass } from "../../drivers/io";
import type { AnalogConstructor, DigitalConstructor, SerialConstructor } from "../../src/app/io-types";
import type { IoClasses } from "./device";

export const io: IoClasses = Object.freeze({
  // The typings (npm 5.6.0 and the SDK's own) are cast where they disagree with the run time;
  // no patch file: mcconfig compiles each module with only the SDK's typings in scope.
  // @moddable/typings 5.6.0 types the mode/edge statics as `unknown` (they are numbers at run time).
  Digital: Digital as unknown as DigitalConstructor,
  // The SDK typings omit SPI's close(), which exists at run time (modules/io/spi/spi.js).
  SPI: SPI as unknown as SpiClass,
  // The typings' option union for Serial does not accept a descriptor built at run time.
  Serial: Serial as unknown as SerialConstructor,
  // The typings' SMBus constructor takes a tuple (moddable.md §3): TS2353 on a plain options object.
  SMBus: SMBus as unknown as SMBusConstructor,
  Analog: Analog as unknown as AnalogConstructor,
  delay: (ms: number) => Timer.delay(ms),
});
