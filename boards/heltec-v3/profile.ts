// Heltec WiFi LoRa 32 V3: ESP32-S3 + SX1262 with TCXO, OLED behind Vext, no GPS.
// Sources, as recorded in shared/reference/radios.md §1.1 and moddable.md §4–5:
//   [MT]  meshtastic/firmware variants/esp32s3/heltec_v3/variant.h (radios.md §1.1 table and notes)
//   [MT-SPI] meshtastic SPI settings: 4 MHz, mode 0 (radios.md §1.3)
//   [ARD] espressif/arduino-esp32 variants/heltec_wifi_lora_32_V3/pins_arduino.h: UART0 TX 43 /
//         RX 44 (USB-UART bridge), Vext 36, LED 35, RST_OLED 21, SDA_OLED 17, SCL_OLED 18,
//         SS 8, SCK 9, MOSI 10, MISO 11, RST_LoRa 12, BUSY_LoRa 13, DIO1 ("DIO0") 14
//   [MOD-IO] Moddable ECMA-419 IO rules (moddable.md §4.1 SPI port, §4.3 UART numbers)
//   [S5]  our own choice or safety margin; no source gives a number
import type { BoardProfile } from "../common/board-profile";

const profile: BoardProfile = {
  name: "heltec-v3",
  title: "Heltec WiFi LoRa 32 V3",
  mcu: "esp32s3",
  // [MT]/[ARD] SCK 9 / MISO 11 / MOSI 10; [MOD-IO] port 1 = SPI2; [MT-SPI] 4 MHz mode 0.
  radioSpi: { clock: 9, in: 11, out: 10, port: 1, hz: 4_000_000, mode: 0 },
  radios: [
    // [MT]/[ARD] CS 8, RST 12, DIO1 14, BUSY 13; [MT] TCXO on DIO3 at 1.8 V, DIO2 RF switch.
    { chip: "sx1262", select: 8, reset: 12, dio1: 14, busy: 13, tcxoVolts: 1.8, dio2RfSwitch: true },
  ],
  // [MT]/[ARD] OLED bus SDA 17 / SCL 18 (the external header is 41/42); 400 kHz [S5].
  i2c: { data: 17, clock: 18, hz: 400_000 },
  // [ARD] UART0 TX 43 / RX 44 behind the board's USB-UART bridge; 115200 baud [S5].
  console: { port: 0, receive: 44, transmit: 43, baud: 115_200 },
  powerUp: [
    // [MT] Vext = GPIO36, active LOW, feeds the OLED; 50 ms settle is our margin [S5].
    { kind: "gpio-rail", name: "vext", pin: 36, onLevel: 0, feeds: ["oled"], settleMs: 50 },
    // [MT] OLED RST 21 (active low), pulsed after Vext; lengths [S5].
    { kind: "reset-pulse", name: "oled-reset", pin: 21, activeLevel: 0, pulseMs: 10, settleMs: 10 },
  ],
  // [MT] battery on GPIO1 (ADC1_CH0) through 390k/100k: ×4.9, times Meshtastic's 1.045
  // calibration. The divider is switched by ADC_CTRL GPIO37 whose active level differs by
  // revision (V3.1 LOW, V3.2 HIGH): read the idle level and drive the opposite, as Meshtastic does.
  // Meshtastic samples at 2.5 dB attenuation; Moddable's Analog uses 11 dB (moddable
  // modules/io/analog/esp32/_analog.c), which covers the ~0.85 V the divider gives at 4.2 V.
  battery: { kind: "adc", pin: 1, ratio: 4.9 * 1.045, control: { pin: 37, polarity: "opposite-of-idle" } },
  // [MT]/[ARD] LED 35 (active high); [MT] button GPIO0 (boot button, pulled up, active low).
  led: { pin: 35, activeLow: false },
  button: { pin: 0, activeLow: true, pullUp: true },
  // [MT] SSD1306 at 0x3C, reset 21, powered by Vext.
  display: { controller: "ssd1306", address: 0x3c, width: 128, height: 64, fitted: "always" },
};

export default profile;
