// Helpers for tests that drive whole host nodes through their console (app-security.test.ts,
// key-ids.test.ts, contacts-device.test.ts): a store with settings set as a user would, a console
// line's answer, and the output of the latest boot.
import { BOARD_PROFILES } from "../../boards";
import type { BoardName } from "../../boards/common/board-profile";
import { radioChips, txPowerRange } from "../../boards/common/board-profile";
import { SettingsStore } from "../../src/app/settings";
import type { HostNode } from "../../src/host/host-node";
import { HostPreference } from "../../src/host/preference";

/** A node's flash with these settings `set` as the console would (SHORT_FAST unless given). */
export function prefsWith(board: BoardName, settings: Record<string, string>): HostPreference {
  const prefs = new HostPreference();
  const store = new SettingsStore(prefs, txPowerRange(radioChips(BOARD_PROFILES[board])));
  for (const [key, value] of Object.entries({ preset: "SHORT_FAST", ...settings })) {
    const r = store.set(key, value);
    if (!r.ok) throw new Error(r.error);
  }
  return prefs;
}

/** Types `line` and returns what the console printed up to its next prompt. */
export function ask(node: HostNode, line: string): string {
  const mark = node.output.length;
  node.type(line);
  if (!node.clock.runUntil(() => /\r\n> $/.test(node.output.slice(mark)), 1000)) throw new Error(`${node.name}: no answer to "${line}"`);
  return node.output.slice(mark);
}

/** The console's answer without the echo of the typed line. */
export function answer(node: HostNode, line: string): string {
  const text = ask(node, line);
  return text.slice(text.indexOf("\r\n") + 2);
}

/** The console output of the node's latest boot. */
export function lastBoot(node: HostNode): string {
  return node.output.slice(node.output.lastIndexOf("System 5 on"));
}

/** Types `reboot`, lets the node boot again and returns what that boot printed. */
export function reboot(node: HostNode): string {
  node.type("reboot");
  node.clock.advance(1000);
  return lastBoot(node);
}
