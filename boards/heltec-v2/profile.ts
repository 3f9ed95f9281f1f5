// Heltec WiFi LoRa 32 V2 / V2.1: ESP32 + SX1276 (crystal), OLED on its own I²C bus behind Vext.
// Sources, as recorded in shared/reference/radios.md §1.1 and moddable.md §4–5:
//   [MT]  meshtastic/firmware variants/esp32/heltec_v2*/variant.h (radios.md §1.1 table and notes)
//   [MT-SPI] meshtastic SPI settings: 4 MHz, mode 0 (radios.md §1.3)
//   [MOD] Moddable build/devices/esp32/targets/heltec_lora_32/host/provider.js (moddable.md §5)
//   [MOD-IO] Moddable ECMA-419 IO rules (moddable.md §4.1 SPI port, §4.3 UART numbers)
//   [S5]  our own choice or safety margin; no source gives a number
import type { BoardProfile } from "../common/board-profile";

const profile: BoardProfile = {
  name: "heltec-v2",
  title: "Heltec WiFi LoRa 32 V2",
  mcu: "esp32",
  // [MT] SCK 5 / MISO 19 / MOSI 27; [MOD-IO] port 1 = SPI2 (port 0 is the flash bus); [MT-SPI] 4 MHz mode 0.
  radioSpi: { clock: 5, in: 19, out: 27, port: 1, hz: 4_000_000, mode: 0 },
  radios: [
    // [MT] CS 18, RST 14, DIO0 26; DIO1 35 (input-only GPIO, needed for CAD) and DIO2 34.
    { chip: "sx1276", select: 18, reset: 14, dio0: 26, dio1: 35, dio2: 34 },
  ],
  // [MT] SDA 4 / SCL 15 is the OLED bus. Not the 21/22 the Moddable heltec_lora_32 target uses:
  // GPIO21 is Vext on this board (radios.md §1.3). 400 kHz: SSD1306 fast-mode I²C [S5].
  i2c: { data: 4, clock: 15, hz: 400_000 },
  // [MOD] USB-UART bridge on RX 3 / TX 1; [MOD-IO] UART0 is the console UART; 115200 baud [S5].
  console: { port: 0, receive: 3, transmit: 1, baud: 115_200 },
  // [MT] optional GPS header: ESP RX 36 (input-only) / TX 33, 9600 baud; [MOD-IO] UART1.
  gps: { port: 1, receive: 36, transmit: 33, baud: 9600, fitted: "optional" },
  powerUp: [
    // [MT] Vext = GPIO21, active LOW, feeds the OLED and the "LoRa antenna boost" — so it goes
    // on before the radio is probed. 50 ms settle is our margin [S5].
    { kind: "gpio-rail", name: "vext", pin: 21, onLevel: 0, feeds: ["oled", "lora-boost"], settleMs: 50 },
    // [MT] OLED RST 16 (active low), pulsed once Vext is up; pulse and settle lengths [S5].
    { kind: "reset-pulse", name: "oled-reset", pin: 16, activeLevel: 0, pulseMs: 10, settleMs: 10 },
  ],
  // [MT] V2.1: battery on GPIO37 (ADC1) through 220k/100k, ×3.2. V2.0 boards wire GPIO13 (ADC2)
  // instead; V2.1 also names GPIO37 PIN_GPS_EN. We follow V2.1, the revision still sold.
  battery: { kind: "adc", pin: 37, ratio: 3.2 },
  // [MT] LED 25, active high; [MOD] same LED pin. [MT]/[MOD] button = GPIO0 (boot button, pulled up, active low).
  led: { pin: 25, activeLow: false },
  button: { pin: 0, activeLow: true, pullUp: true },
  // [MT] SSD1306 128×64 at 0x3C, powered by Vext, reset on 16 (see powerUp).
  display: { controller: "ssd1306", address: 0x3c, width: 128, height: 64, fitted: "always" },
};

export default profile;
