// Device entry point (manifest creation.main = "system5/src/app/main"): binds boot() to the
// Moddable platform — Preference, Timer/Time, the board's `device` provider, the USB console
// UART and the GPS UART. The radio and the core MeshNode are bound by the mesh layer (not yet
// merged) through app.attachMesh().
//
// Runs at start-up, not at preload: it is the only module here that touches hardware.
import Net from "net";
import Preference from "preference";
import Time from "time";
import Timer from "timer";
import type { System5Device } from "../../boards/common/device";
import profile from "system5/board-profile";
import { boot, type App } from "./boot";
import { parseMac } from "./node-id";

// The typings describe `device` without the `peripheral` entries our providers add (moddable.md §3).
const board = device as unknown as System5Device;

let app: App | undefined;

const consoleUart = new board.Serial.default.io({
  ...board.Serial.default,
  format: "buffer",
  onReadable() {
    const bytes = this.read();
    if (bytes instanceof ArrayBuffer) app?.console.push(bytes);
  },
});

const power = new board.peripheral.power.Default();

app = boot({
  profile,
  preferences: Preference,
  power,
  mac: () => {
    // Net.get("MAC") reads the factory MAC (unverified on these boards with Wi-Fi off);
    // without it, boot falls back to a stored random id.
    try {
      return parseMac(Net.get("MAC"));
    } catch {
      return undefined;
    }
  },
  random32: () => Math.floor(Math.random() * 0x1_0000_0000) >>> 0,
  now: () => Time.ticks,
  write: (text) => consoleUart.write(ArrayBuffer.fromString(text)),
  // A short wait lets the UART send "rebooting…" before the restart.
  reboot: () => Timer.set(() => System.restart(), 200),
});

const gps = board.peripheral.gps;
if (gps !== undefined && app.gps !== undefined) {
  const parser = app.gps;
  // The ESP32 UART has no software buffer: drain the 128-byte FIFO on every callback (moddable.md §4.3).
  new gps.io({
    port: gps.port,
    receive: gps.receive,
    ...(gps.transmit === undefined ? {} : { transmit: gps.transmit }),
    baud: gps.baud,
    format: "buffer",
    onReadable() {
      const bytes = this.read();
      if (bytes instanceof ArrayBuffer) parser.push(bytes);
    },
  });
}

app.console.start();
