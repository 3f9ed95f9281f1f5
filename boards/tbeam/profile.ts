// LILYGO T-Beam v1.1: ESP32 + SX1276 or SX1262/SX1268 module, AXP192 PMU, u-blox GPS.
// Sources, as recorded in shared/reference/radios.md §1.1 and moddable.md §4–6:
//   [MT]  meshtastic/firmware variants/esp32/tbeam/variant.h (radios.md §1.1 table and notes)
//   [MT-PWR] meshtastic/firmware src/Power.cpp: LDO2 = LoRa, LDO3 = GPS, both 3.3 V; DCDC1 = OLED /
//         3V3 header, DCDC3 = ESP32, both stay on (radios.md §1.1 notes, §7.1)
//   [MT-SPI] meshtastic SPI settings: 4 MHz, mode 0 (radios.md §1.3)
//   [MOD-IO] Moddable ECMA-419 IO rules (moddable.md §4.1 SPI port, §4.3 UART numbers)
//   [MOD] Moddable UART0 console pins RX 3 / TX 1 (heltec_lora_32 provider, moddable.md §5)
//   [S5]  our own choice or safety margin; no source gives a number
import type { BoardProfile } from "../common/board-profile";

const profile: BoardProfile = {
  name: "tbeam",
  title: "LILYGO T-Beam v1.1",
  mcu: "esp32",
  // [MT] SCK 5 / MISO 19 / MOSI 27; [MOD-IO] port 1 = SPI2; [MT-SPI] 4 MHz mode 0.
  radioSpi: { clock: 5, in: 19, out: 27, port: 1, hz: 4_000_000, mode: 0 },
  // [MT] the board ships with either chip on one common pinout; Meshtastic probes the SX1276
  // (RF95) first, then the SX1262/SX1268, and uses whichever answers. Same order here.
  radios: [
    // [MT] CS 18, RST 23, DIO0 26, DIO1 33 (CAD), DIO2 32.
    { chip: "sx1276", select: 18, reset: 23, dio0: 26, dio1: 33, dio2: 32 },
    // [MT] CS 18, RST 23, DIO1 33 (IRQ), BUSY 32; TCXO on DIO3 at 1.8 V (Meshtastic; tinyGS #97
    // says 1.6 V, unverified); DIO2 drives the RF switch. DIO0 is not connected on this module.
    { chip: "sx1262", select: 18, reset: 23, dio1: 33, busy: 32, tcxoVolts: 1.8, dio2RfSwitch: true },
  ],
  // [MT] SDA 21 / SCL 22: AXP192 at 0x34 and the optional OLED at 0x3C; 400 kHz is the
  // Moddable AXP192 driver's default (moddable.md §6.2).
  i2c: { data: 21, clock: 22, hz: 400_000 },
  // [MOD] UART0 on RX 3 / TX 1 (CP210x bridge); 115200 baud [S5].
  console: { port: 0, receive: 3, transmit: 1, baud: 115_200 },
  // [MT] u-blox NEO-6M/M8N: ESP RX 34 (input-only) ← GPS TX, ESP TX 12, 9600 baud; [MOD-IO] UART1.
  gps: { port: 1, receive: 34, transmit: 12, baud: 9600, fitted: "always" },
  // [MT] AXP192 at 0x34, IRQ on GPIO35; [MT-PWR] DCDC1 and DCDC3 must never be switched off.
  pmu: { chip: "axp192", address: 0x34, irq: 35, keepOn: ["DCDC1", "DCDC3"] },
  powerUp: [
    // [MT-PWR] the radio is dead until LDO2 is on: it is switched on first. Settle times [S5].
    { kind: "pmu-rail", name: "lora", rail: "LDO2", millivolts: 3300, feeds: ["lora"], settleMs: 20 },
    { kind: "pmu-rail", name: "gps", rail: "LDO3", millivolts: 3300, feeds: ["gps"], settleMs: 20 },
  ],
  // [MT] battery voltage from the AXP192's own ADC.
  battery: { kind: "pmu" },
  // [MT] LED 4, active LOW; user button 38, active low with pull-up.
  led: { pin: 4, activeLow: true },
  button: { pin: 38, activeLow: true, pullUp: true },
  // [MT] optional SSD1306/SH1106 at 0x3C on the same bus.
  display: { controller: "ssd1306", address: 0x3c, width: 128, height: 64, fitted: "optional" },
};

export default profile;
