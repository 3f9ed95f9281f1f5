// The tests' AXP192 is the host run's emulator (src/host/axp192-emulator.ts): one implementation.
export { Axp192Emulator as FakeAxp192, WRITABLE } from "../../src/host/axp192-emulator";
