// Contacts on the device (docs/security.md §8 "Contacts"): whole host nodes booted as a board
// boots them (ids from node keys, binding required, register-level radio emulators on the virtual
// air), driven through their console: `contact me` on one node, `contact add` of what it printed
// on another, `contact list`, `contact remove`, a reboot keeps them, a DM to a contact goes with
// no key request, and hostile records in flash are erased and named without touching the rest.
import { describe, expect, test } from "vitest";
import { CONTACT_DOMAIN, DEVICE_MAX_CONTACTS, encodeContactRecord } from "../../src/app/contact-store";
import { keyIdOfSecret } from "../../src/app/key-identity";
import { toHex } from "../../src/core/security/bytes";
import { x25519 } from "../../src/core/security/x25519";
import { formatNodeId } from "../../src/core/station";
import { Air } from "../../src/host/air";
import { VirtualClock } from "../../src/host/clock";
import { HostNode } from "../../src/host/host-node";
import { SeededRng } from "../../src/core/rng";
import { answer, lastBoot, prefsWith, reboot } from "./host-console";

/** What `contact me` printed: the line to type on another node. */
function addLine(node: HostNode): string {
  const line = /contact add [0-9a-f]{8} [0-9a-f]{64}/.exec(answer(node, "contact me"))?.[0];
  if (line === undefined) throw new Error(`${node.name}: contact me printed no add line`);
  return line;
}

/** `n` bound identities (id = key id of the key), as other boards would have. */
function boundKeys(n: number, seed: number): Array<{ id: number; publicKey: Uint8Array }> {
  const rng = new SeededRng(seed);
  const out: Array<{ id: number; publicKey: Uint8Array }> = [];
  while (out.length < n) {
    const secret = new Uint8Array(32);
    for (let i = 0; i < 32; i++) secret[i] = rng.nextUint32() & 0xff;
    const id = keyIdOfSecret(secret);
    if (id !== 0 && id !== 0xffffffff) out.push({ id, publicKey: x25519.getPublicKey(secret) });
  }
  return out;
}

/**
 * Three fresh boards on a line a – r – b (a and b out of each other's range, so b's key does not
 * reach a in b's KEY frames), run until a and b hear r; `contact` = whether a holds b as a
 * contact (typed at a's console) before writing to it.
 */
function line(seed: number, contact: boolean) {
  const clock = new VirtualClock({ seed });
  const air = new Air(clock);
  const board = (name: string, id: number, x: number) => new HostNode({ air, board: "heltec-v3", name, id, position: { x, y: 0 }, preferences: prefsWith("heltec-v3", { name: "hillside" }), idsFromKeys: true });
  const a = board("a", 0x5a00000a, 0);
  const r = board("r", 0x5a00000c, 200);
  const b = board("b", 0x5a00000b, 400);
  air.setLink("a", "b", { pathLossDb: 200 });
  clock.advance(100);
  const added = contact ? answer(a, addLine(b)) : undefined;
  const idA = a.running.app.identity.id;
  const idB = b.running.app.identity.id;
  expect(hearsRelay(a, r) && hearsRelay(b, r)).toBe(true);
  return { clock, a, r, b, idA, idB, added };
}

/** Runs the air until `node` holds `relay` as a neighbour with a good link both ways (at most 10 minutes). */
function hearsRelay(node: HostNode, relay: HostNode): boolean {
  const id = relay.running.app.identity.id;
  return node.clock.runUntil(() => node.running.mesh!.node.neighbours(node.clock.now()).some((n) => n.id === id && n.q >= 0.5), 10 * 60_000);
}

describe("contacts at the console of a booted node", () => {
  test("a DM to a contact goes at once, with no key request; without the contact the same DM asks for the key", () => {
    for (const contact of [false, true]) {
      const { clock, a, b, idA, idB, added } = line(31, contact);
      if (contact) expect(added).toMatch(new RegExp(`^added contact ${formatNodeId(idB)} \\(key [0-9a-f ]{19}\\); private messages to it go at once\\r\\n`));
      const note = contact ? "private" : `private; asking ${formatNodeId(idB)} for its key first`;
      expect(answer(a, `send ${formatNodeId(idB)} hello contact`)).toMatch(new RegExp(`^queued #\\d+ to ${formatNodeId(idB)} \\(${note.replace(/[()]/g, "\\$&")}\\)\\r\\n`));
      expect(a.running.mesh!.node.neighbours(clock.now()).map((n) => n.id)).not.toContain(idB);
      expect(clock.runUntil(() => b.output.includes(`[dm] ${formatNodeId(idA)} → ${formatNodeId(idB)} (2 hops): hello contact`), 120_000), `delivered (contact ${contact})`).toBe(true);
      const s = a.running.mesh!.secure.stats;
      if (contact) {
        expect(s.keyRequestsSent).toBe(0);
        expect(s.keysFromContacts).toBeGreaterThan(0);
        expect(b.running.mesh!.secure.stats.keyAnswersSent).toBe(0);
      } else expect(s.keyRequestsSent).toBeGreaterThan(0);
    }
  });

  test("list shows what was added; a reboot keeps the contacts (and every setting); remove erases them", () => {
    const { a, b, idB, added } = line(32, true);
    expect(added).toMatch(/^added contact/);
    const bKey = toHex(b.running.mesh!.secure.publicKey!);
    const row = `${formatNodeId(idB)}  ${b.running.mesh!.secure.fingerprintOf(idB)}  ${bKey}\r\n`;
    expect(answer(a, "contact list")).toBe(`node      fingerprint          public key (1 of at most ${DEVICE_MAX_CONTACTS})\r\n${row}> `);
    expect(answer(a, addLine(b))).toBe(`${formatNodeId(idB)} is already a contact with this key\r\n> `);
    const boot = reboot(a);
    expect(boot).toContain(`contacts: 1 loaded (at most ${DEVICE_MAX_CONTACTS}); contact list shows them\r\n`);
    expect(boot).not.toMatch(/warning: (?!this network uses the public default key)|error/);
    expect(a.running.mesh!.secure.contactCount).toBe(1);
    expect(answer(a, "contacts")).toContain(row);
    expect(answer(a, "get name")).toBe("name = hillside\r\n> ");
    expect(answer(a, `contact remove ${formatNodeId(idB)}`)).toMatch(new RegExp(`^removed contact ${formatNodeId(idB)}\\r\\n`));
    expect(answer(a, "contact list")).toMatch(/^no contacts/);
    reboot(a);
    expect(a.running.mesh!.secure.contactCount).toBe(0);
    expect(lastBoot(a)).not.toContain("contacts:");
  });

  test("a contact held after a failed flash write is written when the user adds it again, so it survives the reboot", () => {
    const { a, b, idB } = line(35, false);
    a.preferences.failWith = "NVS write failed";
    expect(answer(a, addLine(b))).toMatch(new RegExp(`^error: contact ${formatNodeId(idB)} held until the next boot only: the flash could not be written \\(NVS write failed\\)\\r\\n`));
    a.preferences.failWith = undefined;
    expect(a.preferences.keys(CONTACT_DOMAIN)).toEqual([]);
    // The retry: the core already holds it (added: false), the record is missing, so it is written now.
    expect(answer(a, addLine(b))).toMatch(new RegExp(`^${formatNodeId(idB)} is already a contact with this key; now written to flash`));
    expect(a.preferences.keys(CONTACT_DOMAIN)).toEqual([formatNodeId(idB)]);
    expect(answer(a, addLine(b))).toBe(`${formatNodeId(idB)} is already a contact with this key\r\n> `);
    expect(reboot(a)).toContain("contacts: 1 loaded");
    expect(a.running.mesh!.secure.contactCount).toBe(1);
  });

  test("refusals: not bound to the id, the node's own id, a full book; nothing is stored for them", () => {
    const { a, b, idA, idB } = line(33, false);
    const keys = boundKeys(DEVICE_MAX_CONTACTS + 1, 7);
    const bKey = toHex(b.running.mesh!.secure.publicKey!);
    expect(answer(a, `contact add ${formatNodeId(keys[0].id)} ${bKey}`)).toMatch(new RegExp(`^error: contact ${formatNodeId(keys[0].id)} not added \\(unbound\\): the key is not bound to ${formatNodeId(keys[0].id)} \\(its key id differs\\): a mistyped or forged contact\\r\\n`));
    expect(answer(a, `contact add ${formatNodeId(idA)} ${toHex(a.running.mesh!.secure.publicKey!)}`)).toMatch(/^error: contact [0-9a-f]{8} not added \(self\)/);
    expect(answer(a, `contact add ${formatNodeId(idB)} ${bKey.slice(1)}`)).toMatch(/^error: a public key is 64 hex digits/);
    for (const k of keys.slice(0, DEVICE_MAX_CONTACTS)) expect(answer(a, `contact add ${formatNodeId(k.id)} ${toHex(k.publicKey)}`)).toMatch(/^added contact/);
    const last = keys[DEVICE_MAX_CONTACTS];
    expect(answer(a, `contact add ${formatNodeId(last.id)} ${toHex(last.publicKey)}`)).toMatch(new RegExp(`^error: contact ${formatNodeId(last.id)} not added \\(full\\): ${DEVICE_MAX_CONTACTS} contacts already held`));
    expect(a.running.mesh!.secure.stats.contactsRefused).toBe(3);
    expect(a.preferences.keys(CONTACT_DOMAIN).length).toBe(DEVICE_MAX_CONTACTS);
    expect(a.preferences.keys(CONTACT_DOMAIN)).not.toContain(formatNodeId(last.id));
    // The console carries on, and each refusal was said once (the core's own log warning is not repeated).
    expect(answer(a, "get name")).toBe("name = hillside\r\n> ");
    a.clock.advance(30_000);
    expect(a.output).not.toContain("security: contact refused");
  });

  test("records kept but not held (a book fuller than the device holds) are one boot line: a count and the first ids", () => {
    const { a } = line(36, false);
    const keys = boundKeys(DEVICE_MAX_CONTACTS + 5, 11);
    for (const k of keys) a.preferences.set(CONTACT_DOMAIN, formatNodeId(k.id), encodeContactRecord(k.id, k.publicKey));
    for (let boot = 0; boot < 2; boot++) {
      const text = reboot(a);
      expect(text).toContain(`contacts: ${DEVICE_MAX_CONTACTS} loaded`);
      const extra = keys.slice(DEVICE_MAX_CONTACTS).map((k) => formatNodeId(k.id));
      expect(text).toContain(`warning: 5 stored contact(s) not held, records kept (5 full: ${extra.slice(0, 3).join(", ")} and 2 more): contact remove <node> frees room in a full book; reset peer <node> clears a conflict with a pinned key\r\n`);
      expect(text.match(/stored contact/g)?.length).toBe(1);
      expect(a.preferences.keys(CONTACT_DOMAIN).length).toBe(DEVICE_MAX_CONTACTS + 5);
    }
  });

  test("hostile records in flash: damaged ones are erased and named, unbound ones refused and erased, the rest and the settings load", () => {
    const { clock, a, r, b, idB } = line(34, true);
    const [good, other] = boundKeys(2, 9);
    expect(answer(a, `contact add ${formatNodeId(good.id)} ${toHex(good.publicKey)}`)).toMatch(/^added contact/);
    const prefs = a.preferences;
    prefs.corrupt(CONTACT_DOMAIN, "00000009", "not a record");
    prefs.corrupt(CONTACT_DOMAIN, "0000000a", new ArrayBuffer(36));
    prefs.corrupt(CONTACT_DOMAIN, "nonsense", encodeContactRecord(other.id, other.publicKey));
    // A well-formed record whose key is not the id's (someone wrote it with the right check).
    prefs.corrupt(CONTACT_DOMAIN, formatNodeId(other.id ^ 1), encodeContactRecord(other.id ^ 1, other.publicKey));
    const boot = reboot(a);
    expect(boot).toMatch(/warning: 3 contact record\(s\) damaged and erased \((00000009|0000000a|nonsense)(, (00000009|0000000a|nonsense)){2}\): add those contacts again\r\n/);
    expect(boot).toContain(`warning: stored contact ${formatNodeId(other.id ^ 1)} refused (unbound): the key is not bound to ${formatNodeId(other.id ^ 1)} (its key id differs): a mistyped or forged contact; record erased\r\n`);
    expect(boot).toContain("contacts: 2 loaded");
    expect(boot).not.toMatch(/error/);
    expect(prefs.keys(CONTACT_DOMAIN).sort()).toEqual([formatNodeId(idB), formatNodeId(good.id)].sort());
    expect(answer(a, "get name")).toBe("name = hillside\r\n> ");
    // The node runs: the contact still gets its DM.
    expect(hearsRelay(a, r)).toBe(true);
    expect(answer(a, `send ${formatNodeId(idB)} after the storm`)).toMatch(/\(private\)/);
    expect(clock.runUntil(() => b.output.includes("after the storm"), 120_000)).toBe(true);
    expect(lastBoot(a).match(/is not bound to/g)?.length).toBe(1);
    // And the next boot is quiet.
    expect(reboot(a)).not.toMatch(/warning: .*contact/);
  });
});
