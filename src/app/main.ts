// Device entry point (manifest creation.main = "system5/src/app/main"): the Moddable platform
// for startNode() — Preference, Timer/Time as the clock, the board's `device` provider, the
// factory MAC and System.restart. Everything else is platform-independent (start.ts), and the
// host run drives the same startNode() on emulated IO.
//
// Runs at start-up, not at preload: it is the only module here that touches hardware.
import Net from "net";
import Preference from "preference";
import Time from "time";
import Timer from "timer";
import type { System5Device } from "system5/boards/common/device";
import profile from "system5/board-profile";
import { moddableClock } from "system5/drivers/moddable-clock";
import { moddableMqttLink } from "./mqtt-device";
import { parseMac } from "./node-id";
import { startNode } from "./start";

startNode({
  // The typings describe `device` without the `peripheral` entries our providers add (moddable.md §3).
  device: device as unknown as System5Device,
  profile,
  preferences: Preference,
  clock: moddableClock(Timer, Time),
  mac: () => {
    // Net.get("MAC") reads the factory MAC (unverified on these boards with Wi-Fi off);
    // without it, boot falls back to a stored random id.
    try {
      return parseMac(Net.get("MAC"));
    } catch {
      return undefined;
    }
  },
  // Also the node's X25519 secret at first boot (src/app/security.ts). Whether XS's Math.random
  // on the ESP32 draws from the hardware RNG with enough entropy is unverified (docs/security.md §12).
  random32: () => Math.floor(Math.random() * 0x1_0000_0000) >>> 0,
  restart: () => System.restart(),
  // The device's id is the key id of its node key, and binding is required (docs/security.md §7.3).
  idsFromKeys: true,
  // A gateway (set broker …) joins its Wi-Fi and the broker with the SDK's MQTT client.
  bridgeLink: moddableMqttLink(),
});
