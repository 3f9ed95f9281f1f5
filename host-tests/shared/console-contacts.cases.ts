// `contact …` at the console and the contact records in flash (src/app/contact-store.ts), against
// the core's own ContactBook: bound keys only, the refusals reach the user as error lines, hostile
// lines and records never throw. Runs on Node and on XS (the device's engine).
import { DeviceApi } from "../../src/app/api";
import { FrameSplitter } from "../../src/app/api-frame";
import type { ContactsHost } from "../../src/app/console";
import { erase } from "../../src/app/resets";
import { decodeUtf8, encodeUtf8 } from "../../src/app/utf8";
import { CONTACT_DOMAIN, decodeContactRecord, encodeContactRecord, parsePublicKey, PreferenceContactStore } from "../../src/app/contact-store";
import { contactsHost } from "../../src/app/contacts-host";
import { ContactBook } from "../../src/core/security/contacts";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import { SecureStation } from "../../src/core/security/secure-station";
import { fingerprint } from "../../src/core/security/peer-keys";
import { FakePreference } from "../fakes/preference";
import { fakeHost, terminal } from "./console.cases";
import { suite, type Assert } from "./harness";
import { toHex } from "./hex";
import { identities } from "./key-binding.cases";
import { StubStation } from "./secure-station.cases";
import { TEST_NETWORK_KEY } from "./security.cases";

function has(t: Assert, text: string, re: RegExp): void {
  t.ok(re.test(text), `${JSON.stringify(text)} should match ${re}`);
}

const hex8 = (id: number): string => (id >>> 0).toString(16).padStart(8, "0");

/**
 * The running node's ContactsHost (src/app/contacts-host.ts, as mesh-binding.ts builds it) over a
 * real SecureStation (binding required, `max` contacts) and a contact store. `id` differs from
 * the key's id for a host run with scripted ids.
 */
function contactsOf(self: { id: number; secretKey: Uint8Array }, max = 4, store = new PreferenceContactStore(new FakePreference()), id = self.id): ContactsHost & { secure: SecureStation } {
  const secure = new SecureStation({ inner: new StubStation(id), networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: self.secretKey, now: 0, idBinding: "required", maxContacts: max });
  return Object.assign(contactsHost(secure, store, () => 0), { secure });
}

/** The device API on a fake host with these contacts: `ask` sends one request and returns the answer record. */
/** Three identities (ours first) and a console over a contact book kept in a fake flash. */
function onFlash(seed: number) {
  const [me, a, b] = identities(3, seed);
  const prefs = new FakePreference();
  const store = new PreferenceContactStore(prefs);
  const contacts = contactsOf(me, 4, store);
  return { me, a, b, prefs, store, contacts, term: terminal(fakeHost({ contacts }).host) };
}

function api(contacts: ContactsHost | undefined) {
  const out: Array<Record<string, unknown>> = [];
  const reader = new FrameSplitter({ now: () => 0, onFrame: (p) => out.push(JSON.parse(decodeUtf8(p))), onText: () => undefined, onError: () => undefined });
  const device = new DeviceApi({ host: fakeHost(contacts === undefined ? {} : { contacts }).host, write: (bytes) => reader.push(bytes) });
  return (request: Record<string, unknown>): Record<string, unknown> => {
    out.length = 0;
    device.frame(encodeUtf8(JSON.stringify(request)));
    return out[0];
  };
}

export default suite("app: console contacts", {
  "contact me prints the id, the 64-hex key and the line another user types; key alone does too"(t) {
    const [me] = identities(1, 71);
    const { host } = fakeHost({ contacts: contactsOf(me) });
    const term = terminal(host);
    const out = term.type("contact me\r");
    has(t, out, new RegExp(`node ${hex8(me.id)}\\r\\npublic key ${toHex(me.publicKey)}\\r\\n`));
    has(t, out, new RegExp(`fingerprint ${fingerprint(me.publicKey)}\\r\\n`));
    has(t, out, new RegExp(`contact add ${hex8(me.id)} ${toHex(me.publicKey)}\\r\\n`));
    t.equal(term.type("key\r").replace("key\r\n", ""), out.replace("contact me\r\n", ""));
    has(t, term.type("key bogus\r"), /error: usage: key random \(a new network key\), or key alone/);
    // A node whose id is not its key id (host runs with scripted ids) is told others will refuse it.
    const scripted = terminal(fakeHost({ contacts: contactsOf(me, 4, undefined, 5) }).host).type("contact me\r");
    has(t, scripted, /note: this node's id is not the key id of its key \(a host run with scripted ids\): other nodes refuse it as a contact/);
    t.ok(!/contact add 00000005/.test(scripted), "no add line for an unbound key");
  },
  "add, list, remove: the printed line of one node adds it on another; the record is in flash"(t) {
    const [me, peer, other] = identities(3, 72);
    const prefs = new FakePreference();
    const contacts = contactsOf(me, 4, new PreferenceContactStore(prefs));
    const term = terminal(fakeHost({ contacts }).host);
    has(t, term.type("contact list\r"), /no contacts \(at most 4\); contact add <node> <key> adds one/);
    has(t, term.type(`contact add ${hex8(peer.id)} ${toHex(peer.publicKey).toUpperCase()}\r`), new RegExp(`added contact ${hex8(peer.id)} \\(key ${fingerprint(peer.publicKey)}\\); private messages to it go at once`));
    has(t, term.type(`contact add !${peer.id.toString(16)} ${toHex(peer.publicKey)}\r`), /is already a contact with this key/);
    has(t, term.type(`contact add ${other.id} ${toHex(other.publicKey)}\r`), /added contact/);
    const list = term.type("contacts\r");
    has(t, list, /\(2 of at most 4\)/);
    has(t, list, new RegExp(`${hex8(peer.id)}  ${fingerprint(peer.publicKey)}  ${toHex(peer.publicKey)}\\r\\n${hex8(other.id)}  `));
    t.deepEqual(prefs.keys(CONTACT_DOMAIN).sort(), [hex8(peer.id), hex8(other.id)].sort());
    has(t, term.type(`contact remove ${hex8(peer.id)}\r`), new RegExp(`removed contact ${hex8(peer.id)}`));
    has(t, term.type(`contact remove ${hex8(peer.id)}\r`), new RegExp(`${hex8(peer.id)} is not a contact`));
    t.deepEqual(prefs.keys(CONTACT_DOMAIN), [hex8(other.id)]);
    t.equal(contacts.secure.contactCount, 1);
  },
  "refusals reach the user as error lines: malformed id or key, unbound, own id, conflict, full"(t) {
    const ids = identities(7, 73);
    const [me, a, b] = ids;
    const contacts = contactsOf(me, 3);
    const term = terminal(fakeHost({ contacts }).host);
    const add = (id: string, key: string): string => term.type(`contact add ${id} ${key}\r`);
    has(t, add("zz", toHex(a.publicKey)), /^contact add zz [0-9a-f]{64}\r\nerror: bad node id "zz"/);
    has(t, add("ffffffff", toHex(a.publicKey)), /error: "ffffffff" is not a node id/);
    has(t, add(hex8(a.id), "1234"), /error: a public key is 64 hex digits \(as contact me prints it\), got 4 characters\r\n/);
    has(t, add(hex8(a.id), "g".repeat(64)), /got 64 characters with non-hex ones/);
    has(t, add(hex8(a.id), toHex(a.publicKey) + "00"), /got 66 characters/);
    has(t, term.type(`contact add ${hex8(a.id)}\r`), /error: contact add takes a node and its key: contact add <node> <key>/);
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)} extra\r`), /error: contact add takes a node and its key/);
    // b's key offered for a's id: the key id differs.
    has(t, add(hex8(a.id), toHex(b.publicKey)), new RegExp(`error: contact ${hex8(a.id)} not added \\(unbound\\): the key is not bound to ${hex8(a.id)}`));
    has(t, add(hex8(me.id), toHex(me.publicKey)), /not added \(self\): this node's own id is not a contact/);
    for (const k of ids.slice(1, 4)) has(t, add(hex8(k.id), toHex(k.publicKey)), /added contact/);
    has(t, add(hex8(ids[4].id), toHex(ids[4].publicKey)), /not added \(full\): 3 contacts already held/);
    t.equal(contacts.secure.stats.contactsRefused, 3, "unbound, self, full (malformed lines never reach the core)");
    t.equal(contacts.secure.contactCount, 3);
    // The core's conflict (another key already held for the id) is shown with its reason as well.
    const book = new ContactBook(me.id, 3);
    const conflicting: ContactsHost = { ...contacts, add: (id) => book.refuse("conflict", `${hex8(id)} already has another key on this node (learnt on the air or pinned): reset that peer first`) };
    const term2 = terminal(fakeHost({ contacts: conflicting }).host);
    has(t, term2.type(`contact add ${hex8(ids[5].id)} ${toHex(ids[5].publicKey)}\r`), /error: contact [0-9a-f]{8} not added \(conflict\): [0-9a-f]{8} already has another key on this node \(learnt on the air or pinned\): reset that peer first/);
  },
  "a failing flash: the contact is held for now and said so (console, API saved:false); adding it again writes the record"(t) {
    const { a, b, prefs, store, contacts, term } = onFlash(78);
    const ask = api(contacts);
    prefs.failWith = "NVS full";
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`), new RegExp(`error: contact ${hex8(a.id)} held until the next boot only: the flash could not be written \\(NVS full\\)`));
    t.deepEqual(ask({ cmd: "contact-add", node: hex8(b.id), key: toHex(b.publicKey) }), { re: null, ok: true, node: hex8(b.id), added: true, saved: false, saveError: "NVS full", saveFailedOn: "write" });
    t.equal(contacts.secure.contactCount, 2, "both held in RAM");
    // Still failing: the retry says so again, it does not claim the contact is already kept; what
    // failed now is the read of its record (whether it is there), and the line says so.
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`), /held until the next boot only: the flash could not be read \(NVS full\)/);
    prefs.failWith = undefined;
    t.deepEqual(prefs.keys(CONTACT_DOMAIN), []);
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`), new RegExp(`^contact add [^\\r]*\\r\\n${hex8(a.id)} is already a contact with this key; now written to flash`));
    t.deepEqual(ask({ cmd: "contact-add", node: hex8(b.id), key: toHex(b.publicKey) }), { re: null, ok: true, node: hex8(b.id), added: false, saved: true });
    t.deepEqual(prefs.keys(CONTACT_DOMAIN).sort(), [hex8(a.id), hex8(b.id)].sort());
    // A damaged record is rewritten too; a good one is left alone (no flash write).
    prefs.corrupt(CONTACT_DOMAIN, hex8(a.id), new ArrayBuffer(36));
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`), /already a contact with this key; now written to flash/);
    t.equal(toHex(store.load().contacts.find((c) => c.id === a.id)?.publicKey ?? new Uint8Array()), toHex(a.publicKey));
    const writes = prefs.writes;
    has(t, term.type(`contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`), new RegExp(`${hex8(a.id)} is already a contact with this key\\r\\n> $`));
    t.equal(prefs.writes, writes, "no write for a record that reads");
    // Remove with the flash failing: gone from RAM, said to come back at the next boot.
    prefs.failWith = "NVS full";
    has(t, term.type(`contact remove ${hex8(a.id)}\r`), new RegExp(`error: ${hex8(a.id)} was removed for now but the flash could not be read \\(NVS full\\): it comes back at the next boot`));
    t.deepEqual(ask({ cmd: "contact-remove", node: hex8(b.id) }), { re: null, ok: true, node: hex8(b.id), removed: true, keyKept: false, saved: false, saveError: "NVS full", saveFailedOn: "read" });
    t.equal(contacts.secure.contactCount, 0);
  },
  "a flash that reads but cannot write, or cannot read: the error line names the access that failed"(t) {
    const [me, a] = identities(2, 80);
    const prefs = new FakePreference();
    let writeFails: string | undefined;
    const write = prefs.set.bind(prefs);
    const eraseRecord = prefs.delete.bind(prefs);
    prefs.set = (domain, key, value) => {
      if (writeFails !== undefined) throw new Error(writeFails);
      write(domain, key, value);
    };
    prefs.delete = (domain, key) => {
      if (writeFails !== undefined) throw new Error(writeFails);
      eraseRecord(domain, key);
    };
    const contacts = contactsOf(me, 4, new PreferenceContactStore(prefs));
    const term = terminal(fakeHost({ contacts }).host);
    const ask = api(contacts);
    const line = `contact add ${hex8(a.id)} ${toHex(a.publicKey)}\r`;
    writeFails = "NVS full";
    has(t, term.type(line), /held until the next boot only: the flash could not be written \(NVS full\)/);
    // The retry reads the (missing) record fine and fails on the write again: "written", not "read".
    has(t, term.type(line), /held until the next boot only: the flash could not be written \(NVS full\)/);
    t.deepEqual(ask({ cmd: "contact-add", node: hex8(a.id), key: toHex(a.publicKey) }), { re: null, ok: true, node: hex8(a.id), added: false, saved: false, saveError: "NVS full", saveFailedOn: "write" });
    writeFails = undefined;
    has(t, term.type(line), /already a contact with this key; now written to flash/);
    // The record is there; erasing it fails: "written" again.
    writeFails = "NVS full";
    has(t, term.type(`contact remove ${hex8(a.id)}\r`), /removed for now but the flash could not be written \(NVS full\): it comes back at the next boot/);
    writeFails = undefined;
    has(t, term.type(line), /added contact/);
    // Reads failing (writes would work): the lines say "read".
    prefs.failWith = "NVS gone";
    has(t, term.type(line), /held until the next boot only: the flash could not be read \(NVS gone\)/);
    has(t, term.type(`contact remove ${hex8(a.id)}\r`), /removed for now but the flash could not be read \(NVS gone\)/);
  },
  "remove: a record only in flash (refused at boot) goes; a key used since it was added is kept and said so"(t) {
    const { a, b, prefs, store, contacts, term } = onFlash(79);
    store.save(a.id, a.publicKey);
    t.equal(contacts.secure.contactCount, 0, "in flash, not held");
    has(t, term.type(`contact remove ${hex8(a.id)}\r`), new RegExp(`removed contact ${hex8(a.id)}\\r\\n> $`));
    t.deepEqual(prefs.keys(CONTACT_DOMAIN), []);
    has(t, term.type(`contact remove ${hex8(a.id)}\r`), new RegExp(`${hex8(a.id)} is not a contact`));
    // b is added, then written to: the DM takes its key from the contacts and keeps it.
    has(t, term.type(`contact add ${hex8(b.id)} ${toHex(b.publicKey)}\r`), /added contact/);
    t.ok(contacts.secure.send(0, b.id, new Uint8Array([1, 2]), { private: true }).ok, "DM sent");
    t.equal(contacts.secure.stats.keysFromContacts, 1);
    has(t, term.type(`contact remove ${hex8(b.id)}\r`), new RegExp(`removed contact ${hex8(b.id)}\\r\\nits key is still held \\(used or pinned since it was added\\): private messages to it still use it; reset peer ${hex8(b.id)} forgets it`));
    t.deepEqual(prefs.keys(CONTACT_DOMAIN), []);
    t.equal(contacts.secure.contactCount, 0);
    t.ok(contacts.secure.knowsKeyOf(b.id));
    t.deepEqual(api(contacts)({ cmd: "contact-remove", node: hex8(b.id) }), { re: null, ok: true, node: hex8(b.id), removed: false, keyKept: true, saved: true });
  },
  "hostile and odd lines: unknown verbs, no mesh, a host that throws, control characters"(t) {
    const [me] = identities(1, 74);
    const term = terminal(fakeHost({ contacts: contactsOf(me) }).host);
    has(t, term.type("contact\r"), /error: contact what\? contact me \| contact list \| contact add <node> <key> \| contact remove <node>/);
    has(t, term.type("contact delete 0a1b2c3d\r"), /error: contact what\?/);
    has(t, term.type("contact list extra\r"), /error: contact list takes no argument/);
    has(t, term.type("contact remove\r"), /error: contact remove takes one node/);
    has(t, term.type("contact remove 0a1b2c3d 0a1b2c3e\r"), /error: contact remove takes one node/);
    const odd = term.type("contact add 0a1b2c3d \x1b[2J\x07abc\r");
    t.ok(!odd.includes("\x07"), "no control character reaches the terminal");
    has(t, odd, /error: a public key is 64 hex digits/);
    const notRunning = terminal(fakeHost().host);
    has(t, notRunning.type("contact list\r"), /error: the mesh is not running yet \(contacts are held by the running node\)/);
    const throwing: ContactsHost = {
      ...contactsOf(me),
      add: () => {
        throw new Error("flash on fire");
      },
    };
    const term3 = terminal(fakeHost({ contacts: throwing }).host);
    has(t, term3.type(`contact add 0a1b2c3d ${"ab".repeat(32)}\r`), /error: contact failed: flash on fire/);
    has(t, term3.type("help contact\r"), /contact me: this node's id and public key/);
  },
  "contact records: round trip; a damaged, moved or foreign record is erased and named, the rest loads"(t) {
    const [a, b, c] = identities(3, 75);
    t.equal(toHex(decodeContactRecord(a.id, encodeContactRecord(a.id, a.publicKey)) as Uint8Array), toHex(a.publicKey));
    t.equal(decodeContactRecord(b.id, encodeContactRecord(a.id, a.publicKey)), undefined, "a record moved to another id does not read");
    const prefs = new FakePreference();
    prefs.set("s5", "name", "hillside");
    const store = new PreferenceContactStore(prefs);
    store.save(a.id, a.publicKey);
    store.save(c.id, c.publicKey);
    const flipped = new Uint8Array(encodeContactRecord(b.id, b.publicKey));
    flipped[5] ^= 1;
    prefs.corrupt(CONTACT_DOMAIN, hex8(b.id), flipped.buffer as ArrayBuffer);
    prefs.corrupt(CONTACT_DOMAIN, "00000009", "a string");
    prefs.corrupt(CONTACT_DOMAIN, "0000000a", 42);
    prefs.corrupt(CONTACT_DOMAIN, "0000000b", new ArrayBuffer(4000));
    prefs.corrupt(CONTACT_DOMAIN, "ffffffff", encodeContactRecord(0xffffffff, a.publicKey));
    prefs.corrupt(CONTACT_DOMAIN, "zz\x1b[2J", encodeContactRecord(a.id, a.publicKey));
    const loaded = store.load();
    t.deepEqual(loaded.contacts.map((x) => x.id).sort(), [a.id, c.id].sort());
    t.deepEqual(loaded.damaged.slice().sort(), [hex8(b.id), "00000009", "0000000a", "0000000b", "ffffffff", '"zz?[2J"'].sort());
    t.deepEqual(prefs.keys(CONTACT_DOMAIN).sort(), [hex8(a.id), hex8(c.id)].sort(), "damaged records are erased");
    t.equal(prefs.get("s5", "name"), "hillside", "other settings untouched");
    t.equal(erase(prefs, "all"), "every setting, key, pinned peer and contact erased");
    t.deepEqual(prefs.keys(CONTACT_DOMAIN), [], "factory-reset erases the contacts");
    // A store that cannot be read at all gives a problem, not a throw.
    prefs.failWith = "NVS gone";
    const broken = store.load();
    t.deepEqual(broken.contacts, []);
    t.ok(/contacts unreadable \(NVS gone\)/.test(broken.problem ?? ""), broken.problem ?? "no problem");
  },
  "parsePublicKey takes 64 hex digits in any case and nothing else"(t) {
    const [a] = identities(1, 76);
    const upper = parsePublicKey(` ${toHex(a.publicKey).toUpperCase()} `);
    t.ok(upper.ok && toHex(upper.key) === toHex(a.publicKey), "upper case with spaces around");
    for (const bad of ["", "0x" + toHex(a.publicKey).slice(2), toHex(a.publicKey).slice(0, 63), "s5k1:abc"]) t.ok(!parsePublicKey(bad).ok, bad);
  },
  "device API: contact-add, contacts (paged), contact-remove, info.publicKey; refusals are error records"(t) {
    const ids = identities(6, 77);
    const [me, a, b] = ids;
    const contacts = contactsOf(me, 4);
    const ask = api(contacts);
    t.equal((ask({ id: 1, cmd: "info" }).info as Record<string, unknown>).publicKey, toHex(me.publicKey));
    t.deepEqual(ask({ id: 2, cmd: "contact-add", key: toHex(a.publicKey) }), { re: 2, ok: false, error: "node must be a node id (8 hex digits, or a number)" });
    t.ok(/is not a node id/.test(String(ask({ id: 3, cmd: "contact-add", node: "ffffffff", key: toHex(a.publicKey) }).error)));
    const added = ask({ cmd: "contact-add", node: hex8(a.id), key: toHex(a.publicKey) });
    t.deepEqual(added, { re: null, ok: true, node: hex8(a.id), added: true, saved: true });
    t.equal(ask({ cmd: "contact-add", node: hex8(a.id), key: toHex(a.publicKey) }).added, false);
    const unbound = ask({ id: 4, cmd: "contact-add", node: hex8(b.id), key: toHex(a.publicKey) });
    t.equal(unbound.ok, false);
    t.ok(/^contact not added \(unbound\): the key is not bound to/.test(String(unbound.error)), String(unbound.error));
    t.ok(/a public key is 64 hex digits/.test(String(ask({ cmd: "contact-add", node: hex8(b.id), key: "abc" }).error)));
    t.ok(/key must be a string/.test(String(ask({ cmd: "contact-add", node: hex8(b.id), key: 5 }).error)));
    for (const k of ids.slice(2, 5)) t.equal(ask({ cmd: "contact-add", node: hex8(k.id), key: toHex(k.publicKey) }).ok, true);
    t.ok(/\(full\)/.test(String(ask({ cmd: "contact-add", node: hex8(ids[5].id), key: toHex(ids[5].publicKey) }).error)));
    const list = ask({ cmd: "contacts" });
    t.equal(list.max, 4);
    t.equal(list.total, 4);
    t.equal(list.leftOut, 0);
    t.deepEqual((list.contacts as Array<Record<string, unknown>>)[0], { id: hex8(a.id), key: toHex(a.publicKey) });
    const page = ask({ cmd: "contacts", offset: 3 });
    t.deepEqual((page.contacts as Array<Record<string, unknown>>).map((c) => c.id), [hex8(ids[4].id)]);
    t.ok(/offset must be a whole number/.test(String(ask({ cmd: "contacts", offset: -1 }).error)));
    t.deepEqual(ask({ cmd: "contact-remove", node: hex8(a.id) }), { re: null, ok: true, node: hex8(a.id), removed: true, keyKept: false, saved: true });
    t.equal(ask({ cmd: "contact-remove", node: hex8(a.id) }).removed, false);
    t.equal(ask({ cmd: "contacts" }).total, 3);
    // Without a running mesh: an error record, and info says there is no key yet.
    const idle = api(undefined);
    t.ok(/the mesh is not running yet/.test(String(idle({ cmd: "contacts" }).error)));
    t.equal((idle({ cmd: "info" }).info as Record<string, unknown>).publicKey, null);
  },
});
