// Board power-up: runs the profile's powerUp steps in order (Heltec Vext and OLED reset, T-Beam
// AXP192 rails) and hands out the board's battery gauge. The radio must not be probed before
// up() has run: on the T-Beam it has no supply until LDO2 is on (radios.md §1.1, §7.1).
import AXP192 from "../../drivers/axp192/axp192";
import type { SMBusConstructor } from "../../drivers/axp192/axp192";
import { AdcBatteryGauge, type BatteryGauge } from "../../src/app/battery";
import type { AnalogConstructor, Delay, DigitalConstructor, DigitalLike } from "../../src/app/io-types";
import type { BoardProfile, PowerStep } from "./board-profile";

export interface BoardPowerIo {
  readonly Digital: DigitalConstructor;
  readonly SMBus?: SMBusConstructor;
  readonly Analog?: AnalogConstructor;
  readonly delay: Delay;
}

export class BoardPower {
  readonly #profile: BoardProfile;
  readonly #io: BoardPowerIo;
  readonly #held: DigitalLike[] = [];
  #pmu: AXP192 | undefined;
  #gauge: BatteryGauge | undefined;
  #up = false;

  constructor(profile: BoardProfile, io: BoardPowerIo) {
    this.#profile = profile;
    this.#io = io;
  }

  get isUp(): boolean {
    return this.#up;
  }

  /** Runs every power-up step in profile order; returns one line per step for the boot log. */
  up(): string[] {
    const log: string[] = [];
    for (const step of this.#profile.powerUp) log.push(this.#run(step));
    if (this.#profile.battery.kind === "pmu") this.#axp().enableBatteryAdc();
    this.#up = true;
    return log;
  }

  /** The board's battery gauge (one instance, created on first use); undefined if it has none. */
  battery(): BatteryGauge | undefined {
    if (this.#gauge !== undefined) return this.#gauge;
    const sense = this.#profile.battery;
    if (sense.kind === "adc") {
      const Analog = this.#io.Analog;
      if (Analog === undefined) throw new Error(`${this.#profile.name}: battery needs an Analog IO class`);
      this.#gauge = new AdcBatteryGauge({ ...sense, Analog, Digital: this.#io.Digital, delay: this.#io.delay });
    } else if (sense.kind === "pmu") {
      const pmu = this.#axp();
      // The PMU instance is shared with the rails: a second I²C instance on 0x34 would be refused.
      this.#gauge = { millivolts: () => pmu.batteryMillivolts(), close: () => {} };
    }
    return this.#gauge;
  }

  close(): void {
    this.#gauge?.close();
    this.#gauge = undefined;
    this.#pmu?.close();
    this.#pmu = undefined;
    for (const d of this.#held.splice(0)) d.close();
    this.#up = false;
  }

  #run(step: PowerStep): string {
    const { Digital, delay } = this.#io;
    switch (step.kind) {
      case "gpio-rail": {
        const pin = new Digital({ pin: step.pin, mode: Digital.Output });
        pin.write(step.onLevel);
        this.#held.push(pin); // keep driving the switch: a released pin would let the rail float
        delay(step.settleMs);
        return `${step.name} on (GPIO${step.pin}=${step.onLevel}) → ${step.feeds.join(", ")}`;
      }
      case "reset-pulse": {
        const pin = new Digital({ pin: step.pin, mode: Digital.Output });
        pin.write(step.activeLevel);
        delay(step.pulseMs);
        pin.write(step.activeLevel === 1 ? 0 : 1);
        this.#held.push(pin);
        delay(step.settleMs);
        return `${step.name} pulsed (GPIO${step.pin})`;
      }
      case "pmu-rail": {
        const pmu = this.#axp();
        pmu.setMillivolts(step.rail, step.millivolts);
        pmu.switchOn(step.rail);
        delay(step.settleMs);
        return `${step.name} on (AXP192 ${step.rail} ${step.millivolts} mV) → ${step.feeds.join(", ")}`;
      }
    }
  }

  #axp(): AXP192 {
    if (this.#pmu !== undefined) return this.#pmu;
    const pmuProfile = this.#profile.pmu;
    const SMBus = this.#io.SMBus;
    if (pmuProfile === undefined) throw new Error(`${this.#profile.name} has no PMU`);
    if (SMBus === undefined) throw new Error(`${this.#profile.name}: the PMU needs an SMBus IO class`);
    const bus = this.#profile.i2c;
    // `port` only when the profile names one: an explicit undefined is not "use the default".
    const pmu = new AXP192({
      peripheral: { io: SMBus, data: bus.data, clock: bus.clock, hz: bus.hz, address: pmuProfile.address, ...(bus.port === undefined ? {} : { port: bus.port }) },
    });
    // The outputs that feed the MCU and the 3V3 header are switched on (they normally already are)
    // and never off; everything else in the register is left as the PMU had it.
    for (const rail of pmuProfile.keepOn) pmu.switchOn(rail);
    this.#pmu = pmu;
    return pmu;
  }
}
Object.freeze(BoardPower.prototype);
