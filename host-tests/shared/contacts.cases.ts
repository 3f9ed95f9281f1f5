// The user's contacts (docs/security.md §8, "Contacts"): keys the host gives a node from outside
// the air. A DM to a contact goes at once, with no key request; a key not bound to its id is
// refused with its reason and counted, never thrown; the book holds at most its limit.
import { MeshNode } from "../../src/core/mesh-node";
import { PRESETS } from "../../src/core/presets";
import { SeededRng } from "../../src/core/rng";
import { PayloadKind } from "../../src/core/security/dm-seal";
import { ContactBook } from "../../src/core/security/contacts";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import { SEAL_OVERHEAD_BYTES } from "../../src/core/security/frame-seal";
import { fingerprint } from "../../src/core/security/peer-keys";
import { SecureStation, type SecureDelivered } from "../../src/core/security/secure-station";
import { gridPosition } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";
import { toHex } from "./hex";
import { TEST_NETWORK_KEY } from "./security.cases";
import { StubStation } from "./secure-station.cases";
import { StationAir } from "./station-air";
import { identities, originatedKinds } from "./key-binding.cases";

export default suite("contacts", {
  "a DM to a contact goes at once on a line A-B-C-D: no key request, answer or key on the DM"(t) {
    const ids = identities(4, 61);
    const air = new StationAir(PRESETS.SHORT_FAST);
    const [ka, , , kd] = ids;
    const st = ids.map((k, i) => {
      const inner = new MeshNode({ id: k.id, rng: new SeededRng(i + 1), now: 0, modem: PRESETS.SHORT_FAST, config: { frameOverheadBytes: SEAL_OVERHEAD_BYTES }, position: gridPosition(i + 1, 0) });
      // A and D exchanged keys beforehand (QR codes scanned both ways).
      const contacts = i === 0 ? [{ id: kd.id, publicKey: kd.publicKey, holdsOurs: true }] : i === 3 ? [{ id: ka.id, publicKey: ka.publicKey, holdsOurs: true }] : [];
      return new SecureStation({ inner, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: k.secretKey, now: 0, idBinding: "required", contacts });
    });
    for (const s of st) air.add(s);
    for (let i = 0; i < 3; i++) air.link(ids[i].id, ids[i + 1].id);
    const [a, , , d] = st;
    for (let step = 0; step < 300 && !((a.inner as MeshNode).hasRouteTo(d.id, air.now) && (d.inner as MeshNode).hasRouteTo(a.id, air.now)); step++) air.run(air.now + 1000);
    t.ok((a.inner as MeshNode).hasRouteTo(d.id, air.now), "the line converged");
    t.equal(a.contactCount, 1);
    t.ok(!a.knowsKeyOf(d.id), "A has not derived D's pairwise key before it writes");
    const r = a.send(air.now, d.id, new Uint8Array([7, 8, 9]), { private: true });
    t.ok(r.ok, "sent");
    t.equal(a.stats.dmSent, 1, "the DM went at once, not queued for a key");
    t.equal(a.stats.dmQueued, 0);
    t.equal(a.stats.keysFromContacts, 1);
    air.run(air.now + 30_000);
    const got = air.eventsOf(d.id, "delivered") as SecureDelivered[];
    t.equal(got.length, 1);
    t.ok(got[0].private && toHex(got[0].payload) === "070809", "D opened it with A's key from its contacts");
    t.equal(d.stats.keysFromContacts, 1);
    for (const s of st) t.equal(s.stats.keyRequestsSent + s.stats.keyAnswersSent + s.stats.cacheAnswers, 0, `no key message from ${s.id.toString(16)}`);
    const kinds = originatedKinds(air);
    t.ok(kinds.includes(PayloadKind.DM), `the DM crossed the air (${kinds.join(",")})`);
    for (const k of [PayloadKind.KEY_REQUEST, PayloadKind.KEY_ANSWER, PayloadKind.KEY_NOTICE, PayloadKind.KEY_OFFER, PayloadKind.KEYED_DM]) t.ok(!kinds.includes(k), `no payload of kind ${k}`);
  },
  "a contact whose key is not bound to its id is refused with its reason and counted; a DM to it still asks"(t) {
    const [ka, kd, kx] = identities(3, 62);
    for (const idBinding of ["required", "optional"] as const) {
      const stub = new StubStation(ka.id);
      const a = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: ka.secretKey, now: 0, idBinding });
      const r = a.addContact(0, kd.id, kx.publicKey);
      t.ok(!r.ok && r.code === "unbound", `refused as unbound (${idBinding})`);
      if (!r.ok) t.ok(r.reason.includes(kd.id.toString(16).padStart(8, "0")), `the reason names the id: ${r.reason}`);
      // Malformed entries: never a throw.
      const bad: Array<[number, Uint8Array]> = [[kd.id, kd.publicKey.subarray(0, 31)], [0, kd.publicKey], [0xffffffff, kd.publicKey], [Number.NaN, kd.publicKey], [1.5, kd.publicKey], [ka.id, ka.publicKey]];
      for (const [id, key] of bad) t.ok(!a.addContact(0, id, key).ok, `refused: ${id}`);
      t.ok(!a.addContact(0, kd.id, undefined as unknown as Uint8Array).ok, "no key at all");
      t.equal(a.stats.contactsRefused, 8);
      t.equal(a.contactCount, 0);
      const warnings = a.drainEvents().filter((e) => e.type === "log" && e.level === "warn");
      t.equal(warnings.length, 8, "each refusal is reported");
      t.ok(a.send(0, kd.id, new Uint8Array([1]), { private: true }).ok);
      t.equal(a.stats.keyRequestsSent, 1, "without a contact the DM asks for the key");
      t.ok(!a.knowsKeyOf(kd.id));
      // The genuine key is taken, and the DM that waited for it goes at once; given again it is
      // not added twice.
      const ok = a.addContact(10, kd.id, kd.publicKey);
      t.ok(ok.ok && ok.added);
      t.equal(a.stats.dmReleased, 1, "the queued DM is released when the contact is added, not at the next key request");
      const again = a.addContact(10, kd.id, kd.publicKey);
      t.ok(again.ok && !again.added);
    }
    // Given at construction: the unbound one is refused, the bound one held.
    const stub = new StubStation(ka.id);
    const b = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: ka.secretKey, now: 0, idBinding: "required", contacts: [{ id: kd.id, publicKey: kx.publicKey }, { id: kx.id, publicKey: kx.publicKey }] });
    t.equal(b.contactCount, 1);
    t.equal(b.stats.contactsRefused, 1);
  },
  "a contact's key stands: another key announced for its id is refused as a conflict"(t) {
    const [ka, kd] = identities(2, 63);
    const stub = new StubStation(ka.id);
    // Optional binding: an unbound key from the owner's own messages would otherwise be taken on first use.
    const a = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: ka.secretKey, now: 0, idBinding: "optional", contacts: [{ id: kd.id, publicKey: kd.publicKey }] });
    const other = identities(3, 64)[2];
    stub.events.push({ type: "delivered", at: 1000, src: kd.id, dst: ka.id, seq: 1, payload: new Uint8Array([PayloadKind.KEY_ANSWER, ...other.publicKey]), hops: 2, priority: 2 });
    const warn = a.drainEvents().filter((e) => e.type === "log" && e.level === "warn");
    t.equal(a.stats.keyConflicts, 1, "refused, counted");
    t.ok(!a.knowsKeyOf(kd.id), "the impostor's key is not held");
    t.ok(warn.length === 1 && warn[0].type === "log" && warn[0].text.includes("(a contact)"), "the warning names the contact's key");
    t.ok(a.send(2000, kd.id, new Uint8Array([1]), { private: true }).ok);
    t.equal(a.stats.keysFromContacts, 1, "the DM used the contact's key");
    t.equal(a.stats.keyRequestsSent, 0);
    t.equal(a.fingerprintOf(kd.id), fingerprint(kd.publicKey), "the key held is the contact's");
  },
  "a contact whose id already has another key on this node (an impostor's, learnt first) is refused as a conflict, not silently shadowed"(t) {
    const [ka, kd] = identities(2, 66);
    const impostor = identities(3, 67)[2];
    const stub = new StubStation(ka.id);
    const a = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: ka.secretKey, now: 0, idBinding: "optional" });
    // Optional binding: an answer "from" D with the impostor's key is taken before any contact.
    stub.events.push({ type: "delivered", at: 1000, src: kd.id, dst: ka.id, seq: 1, payload: new Uint8Array([PayloadKind.KEY_ANSWER, ...impostor.publicKey]), hops: 2, priority: 2 });
    a.drainEvents();
    t.equal(a.fingerprintOf(kd.id), fingerprint(impostor.publicKey), "the air key is held");
    const r = a.addContact(2000, kd.id, kd.publicKey, true);
    t.ok(!r.ok && r.code === "conflict", "the contact is refused as a conflict (before: ok, added, and DMs went under the impostor's key)");
    const warn = a.drainEvents().filter((e) => e.type === "log" && e.level === "warn");
    t.equal(warn.length, 1, "and reported");
    t.equal(a.contactCount, 0);
  },
  "a contact list that is not one, or holds entries that are not entries, is refused and counted, never thrown"(t) {
    const [ka, kd] = identities(2, 68);
    for (const contacts of [[null, undefined, 7, { id: kd.id, publicKey: kd.publicKey }], {}] as unknown[]) {
      const stub = new StubStation(ka.id);
      let a: SecureStation | undefined;
      try {
        a = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: ka.secretKey, now: 0, idBinding: "required", contacts: contacts as never });
      } catch (e) {
        t.fail(`threw: ${String(e)}`);
      }
      if (a === undefined) continue;
      const list = Array.isArray(contacts);
      t.equal(a.stats.contactsRefused, list ? 3 : 1, list ? "three bad entries refused" : "not a list: refused");
      t.equal(a.contactCount, list ? 1 : 0, "the good entry is held");
    }
  },
  "the book holds at most its limit: more contacts are refused, not evicted"(t) {
    const ks = identities(6, 65);
    const self = ks[0];
    const stub = new StubStation(self.id);
    const a = new SecureStation({ inner: stub, networkKey: TEST_NETWORK_KEY, counterStore: new MemoryCounterStore(), nodeSecretKey: self.secretKey, now: 0, idBinding: "required", maxContacts: 3 });
    const results = ks.slice(1).map((k) => a.addContact(0, k.id, k.publicKey));
    t.equal(results.filter((r) => r.ok).length, 3);
    t.ok(results.slice(3).every((r) => !r.ok && r.code === "full"), "the 4th and 5th are refused as full");
    t.equal(a.contactCount, 3);
    t.equal(a.stats.contactsRefused, 2);
    // The first three are all still there: a DM to the first needs no request.
    t.ok(a.send(0, ks[1].id, new Uint8Array([1]), { private: true }).ok);
    t.equal(a.stats.keyRequestsSent, 0);
    t.ok(a.removeContact(ks[2].id));
    t.ok(a.addContact(0, ks[5].id, ks[5].publicKey).ok, "room again after a removal");
    // A limit that is not a number takes the default; the book's own counters name the reasons.
    const book = new ContactBook(self.id, Number.NaN);
    t.equal(book.max, 256);
    book.add(ks[1].id, ks[2].publicKey);
    t.equal(book.refused.unbound, 1);
  },
});
