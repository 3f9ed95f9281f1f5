// A whole System 5 node on the host: the board's `device` built by the same buildDevice() the
// firmware's provider calls, but on host IO — the radio chip's emulator on the shared Air, the
// T-Beam's AXP192 emulator, UARTs for the console and the GPS, an Analog pin for the battery
// divider — plus a Preference store that survives reboots and the VirtualClock as Timer/Time.
// It boots the real application (src/app/start.ts) unchanged.
//
//   const node = new HostNode({air, board: "tbeam", chip: "sx1262", name: "a", id: 0x0a1b2c3d});
//   node.type("status");               // a line at the terminal
//   node.gps(fixSentences({lat, lon})); // NMEA into the GPS UART
//   clock.advance(60_000);
//   node.output                         // everything the console printed
//
// Hardware as it behaves: on a T-Beam the radio chip only appears on the bus once the firmware
// switches AXP192 LDO2 on, and the GPS only talks once LDO3 is on (radios.md §1.1). A reboot
// keeps the chips, the PMU's rails and the Preference store, as System.restart does.
import { BOARD_PROFILES } from "../../boards";
import type { BoardName, BoardProfile, RadioChip } from "../../boards/common/board-profile";
import { buildDevice, type IoClasses } from "../../boards/common/device";
import Sx126x from "../../drivers/sx126x/sx126x";
import Sx127x from "../../drivers/sx127x/sx127x";
import type { MqttLinkFactory } from "../app/bridge-link";
import { startNode, type RunningNode } from "../app/start";
import { decodeUtf8, encodeUtf8 } from "../app/utf8";
import type { Air, AirPosition } from "./air";
import { hostAnalogClass } from "./analog";
import { Axp192Emulator } from "./axp192-emulator";
import type { VirtualClock } from "./clock";
import { fixSentences } from "./gps-source";
import { HostBoard } from "./io";
import { emulatedNode, hostBoardOptions, type EmulatedNode } from "./node";
import { HostPreference } from "./preference";
import { HostUart, hostSerialClass } from "./serial";

export interface HostNodeOptions {
  readonly air: Air;
  readonly board: BoardName;
  /** The radio fitted (T-Beam: "sx1276" or "sx1262"); default the board's first. */
  readonly chip?: RadioChip;
  /** Unique name on the air. */
  readonly name: string;
  /** The node id, given to the app as its MAC's last four bytes (as the hardware would). */
  readonly id: number;
  /**
   * Ids from node keys, binding required, as on the device (docs/security.md §7.3): `id` is then
   * only the MAC, and the node's id is the key id of the key it draws at its first boot. Default
   * off: host runs with scripted ids (tests, `system5 node --id`) name their nodes.
   */
  readonly idsFromKeys?: boolean;
  /** Place on the air (metres) for the link budget. */
  readonly position?: AirPosition;
  /** The node's NVS; a new empty one by default. */
  readonly preferences?: HostPreference;
  /** Cell voltage the battery sense reads, mV (default 3900). */
  readonly batteryMillivolts?: number;
  /** Every chunk the console prints, as it prints it (the CLI's stdout). */
  readonly onOutput?: (text: string) => void;
  /** The same, as the bytes the UART sent (API frames are binary: src/app/api-frame.ts). */
  readonly onOutputBytes?: (bytes: Uint8Array) => void;
  /** Set false to keep the node off until start() (to prepare its store). */
  readonly autoStart?: boolean;
  /** A board whose radio never answers (a dead or missing module). */
  readonly noRadio?: boolean;
  /** MQTT for a gateway (src/host/mqtt-link.ts on Node); absent: a broker setting is refused with a warning. */
  readonly bridgeLink?: MqttLinkFactory;
}

export class HostNode {
  readonly name: string;
  readonly profile: BoardProfile;
  readonly clock: VirtualClock;
  readonly hostBoard: HostBoard;
  readonly preferences: HostPreference;
  readonly pmu: Axp192Emulator | undefined;
  readonly consoleUart: HostUart;
  readonly gpsUart: HostUart | undefined;
  /** How many times the app has booted. */
  boots = 0;
  readonly #options: HostNodeOptions;
  readonly #io: IoClasses;
  #radio: EmulatedNode | undefined;
  #running: RunningNode | undefined;
  #output = "";
  #batteryMillivolts = 0;

  constructor(options: HostNodeOptions) {
    this.#options = options;
    this.name = options.name;
    this.profile = BOARD_PROFILES[options.board];
    this.clock = options.air.clock;
    this.hostBoard = new HostBoard(this.clock, hostBoardOptions(this.profile, options.name));
    this.preferences = options.preferences ?? new HostPreference();
    const profile = this.profile;
    this.consoleUart = new HostUart(this.clock, profile.console.port, {
      onOutput: (bytes) => {
        options.onOutputBytes?.(bytes);
        const text = decodeUtf8(bytes);
        this.#output += text;
        options.onOutput?.(text);
      },
    });
    this.gpsUart = profile.gps === undefined ? undefined : new HostUart(this.clock, profile.gps.port);
    const uarts = this.gpsUart === undefined ? [this.consoleUart] : [this.consoleUart, this.gpsUart];
    if (profile.pmu !== undefined) {
      const pmu = new Axp192Emulator();
      this.pmu = pmu;
      pmu.onWrite = () => {
        if (pmu.isOn("LDO2")) this.#powerRadio();
      };
      if (this.gpsUart !== undefined) this.gpsUart.powered = () => pmu.isOn("LDO3");
    } else {
      this.#powerRadio();
    }
    this.batteryMillivolts = options.batteryMillivolts ?? 3900;
    const battery = profile.battery;
    this.#io = {
      Digital: this.hostBoard.io.Digital,
      SPI: this.hostBoard.io.SPI,
      Serial: hostSerialClass(this.hostBoard, uarts),
      ...(this.pmu === undefined ? {} : { SMBus: this.pmu.SMBus }),
      Analog: hostAnalogClass(this.hostBoard, (pin) => (battery.kind === "adc" && pin === battery.pin ? this.batteryMillivolts / battery.ratio : undefined)),
      delay: (ms) => this.clock.delay(ms),
    };
    if (options.autoStart !== false) this.start();
  }

  /** The cell's voltage, as the ADC divider or the PMU's battery ADC reads it. */
  get batteryMillivolts(): number {
    return this.#batteryMillivolts;
  }

  set batteryMillivolts(mv: number) {
    this.#batteryMillivolts = mv;
    // AXP192 battery voltage: 12 bits at 1.1 mV per LSB (drivers/axp192/axp192.ts).
    this.pmu?.setBatteryRaw(Math.round(mv / 1.1));
  }

  /** Everything the console printed since the node was created. */
  get output(): string {
    return this.#output;
  }

  /** The running app (boot, console, mesh) of the current boot. */
  get running(): RunningNode {
    if (this.#running === undefined) throw new Error(`${this.name} is not running`);
    return this.#running;
  }

  /** The radio chip's emulator, once the board has powered it. */
  get radioChip(): EmulatedNode["chip"] | undefined {
    return this.#radio?.chip;
  }

  /** Powers the board on: boots the app. */
  start(): void {
    if (this.#running !== undefined) return;
    const id = this.#options.id >>> 0;
    const rng = this.clock.rng.fork(`node:${this.name}`);
    this.boots++;
    this.#running = startNode({
      device: buildDevice(this.profile, this.#io, { sx1276: Sx127x, sx1262: Sx126x }),
      profile: this.profile,
      preferences: this.preferences,
      clock: this.clock,
      // A locally administered MAC whose last four bytes are the id (src/app/node-id.ts).
      mac: () => Uint8Array.of(0x02, 0x53, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff),
      random32: () => Math.floor(rng.next() * 0x1_0000_0000) >>> 0,
      restart: () => {
        this.stop();
        this.start();
      },
      idsFromKeys: this.#options.idsFromKeys === true,
      // A gateway (broker set) reaches its broker through this machine's network.
      ...(this.#options.bridgeLink === undefined ? {} : { bridgeLink: this.#options.bridgeLink }),
    });
  }

  /** Releases everything the app opened (pins, buses, UARTs, timers). */
  stop(): void {
    this.#running?.stop();
    this.#running = undefined;
  }

  /** Types one line at the terminal (Enter included). */
  type(line: string): void {
    this.consoleUart.send(encodeUtf8(line + "\r"));
  }

  /** NMEA text from the GPS module into the GPS UART (lost while the module has no power). */
  gps(text: string): void {
    if (this.gpsUart === undefined) throw new Error(`${this.profile.title} has no GPS UART`);
    this.gpsUart.send(text);
  }

  /**
   * A GPS module with a fix at `position`: one GGA + RMC burst per second from the next second on,
   * for as long as the host runs (the sentences are lost while the module is unpowered).
   */
  gpsModule(position: { readonly lat: number; readonly lon: number }): void {
    if (this.gpsUart === undefined) throw new Error(`${this.profile.title} has no GPS UART`);
    fixSentences(position); // a bad position fails here, not a second later inside the clock
    let utcSeconds = 43_200;
    const burst = (): void => {
      this.gps(fixSentences({ ...position, utcSeconds: utcSeconds++ }));
      this.clock.set(burst, 1000);
    };
    this.clock.set(burst, 1000);
  }

  /** The chip is soldered on; on the T-Beam it answers only once LDO2 powers it. */
  #powerRadio(): void {
    if (this.#radio !== undefined || this.#options.noRadio === true) return;
    this.#radio = emulatedNode({
      air: this.#options.air,
      board: this.#options.board,
      chip: this.#options.chip,
      name: this.name,
      position: this.#options.position,
      hostBoard: this.hostBoard,
    });
  }
}
