// Device node ids from node keys (src/app/key-identity.ts, docs/security.md §7.3): the key id of
// a secret, the record of the former id an upgraded device keeps, and the settings' `node` where
// ids come from keys. Runs on Node and on XS.
import { identityOfKey, keyIdOfSecret, recordFormerId, usableNodeKey } from "../../src/app/key-identity";
import { FORMER_ID_KEY, SETTINGS_DOMAIN, SettingsStore } from "../../src/app/settings";
import { FakePreference } from "../fakes/preference";
import { suite } from "./harness";

const RANGE = { minDbm: 2, maxDbm: 20 };
/** The known answer of key-binding.cases.ts: secret 01 02 … 20 has key id ff156b8b. */
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const KEY_ID = 0xff156b8b;

export default suite("app: node ids from node keys", {
  "a secret's node id is its public key's key id (known answer)"(t) {
    t.equal(keyIdOfSecret(SECRET), KEY_ID);
    t.deepEqual(identityOfKey(SECRET), { id: KEY_ID, source: "key" });
    t.ok(usableNodeKey(SECRET));
  },
  "an upgraded node with a user-set id: the id moves to formerid, the note names both ids, once"(t) {
    const store = new FakePreference();
    store.set(SETTINGS_DOMAIN, "node", "0a1b2c3d");
    const me = identityOfKey(SECRET);
    const note = recordFormerId(store, me, { settingId: 0x0a1b2c3d, macId: 0x11223344, ranBefore: true });
    t.ok(note !== undefined && note.startsWith("note: node ids now come from node keys") && note.includes("formerly 0a1b2c3d (set by you), is now ff156b8b"), String(note));
    t.equal(store.get(SETTINGS_DOMAIN, FORMER_ID_KEY), "0a1b2c3d set by you");
    t.equal(store.get(SETTINGS_DOMAIN, "node"), undefined);
    const writes = store.writes;
    t.equal(recordFormerId(store, me, { settingId: undefined, macId: 0x11223344, ranBefore: true }), undefined);
    t.equal(store.writes, writes, "nothing written the second time");
    // The record is a known setting: the next load does not warn about it.
    t.deepEqual(new SettingsStore(store, RANGE, SETTINGS_DOMAIN, { idsFromKeys: true }).load().warnings, []);
  },
  "an upgraded node with a MAC id or a stored random id records it; a new node records none"(t) {
    const mac = new FakePreference();
    t.ok(/formerly 11223344 \(from the MAC\)/.test(String(recordFormerId(mac, identityOfKey(SECRET), { settingId: undefined, macId: 0x11223344, ranBefore: true }))));
    const random = new FakePreference();
    random.set(SETTINGS_DOMAIN, "autoid", "0badc0de");
    t.ok(/formerly 0badc0de \(drawn at random\)/.test(String(recordFormerId(random, identityOfKey(SECRET), { settingId: undefined, macId: undefined, ranBefore: false }))));
    const fresh = new FakePreference();
    t.equal(recordFormerId(fresh, identityOfKey(SECRET), { settingId: undefined, macId: 0x11223344, ranBefore: false }), undefined);
    t.equal(fresh.get(SETTINGS_DOMAIN, FORMER_ID_KEY), "none");
    // Its second boot (the key now stored) does not take the MAC id for a former one.
    t.equal(recordFormerId(fresh, identityOfKey(SECRET), { settingId: undefined, macId: 0x11223344, ranBefore: true }), undefined);
  },
  "a store that fails gives a warning naming the id, never a throw; the note comes again next boot"(t) {
    const store = new FakePreference();
    store.set(SETTINGS_DOMAIN, "node", "0a1b2c3d");
    store.failWith = "nvs busy";
    const w = recordFormerId(store, identityOfKey(SECRET), { settingId: 0x0a1b2c3d, macId: undefined, ranBefore: true });
    t.ok(w !== undefined && w.startsWith("warning: node id record unreadable (nvs busy)") && w.includes("ff156b8b"), String(w));
    store.failWith = undefined;
    t.equal(store.get(SETTINGS_DOMAIN, "node"), "0a1b2c3d", "the user's id is still there");
    // A record of the wrong type counts as made (it is not read for anything else).
    const odd = new FakePreference();
    odd.corrupt(SETTINGS_DOMAIN, FORMER_ID_KEY, 12);
    t.equal(recordFormerId(odd, identityOfKey(SECRET), { settingId: undefined, macId: 1, ranBefore: true }), undefined);
  },
  "where ids come from keys, set node is refused, get node says where the id comes from, a stored id is not used"(t) {
    const store = new FakePreference();
    store.set(SETTINGS_DOMAIN, "node", "0a1b2c3d");
    const settings = new SettingsStore(store, RANGE, SETTINGS_DOMAIN, { idsFromKeys: true });
    const loaded = settings.load();
    t.equal(loaded.settings.nodeId, undefined);
    t.deepEqual(loaded.warnings, []);
    t.equal(settings.storedNodeId(), 0x0a1b2c3d);
    const r = settings.set("node", "12345678");
    t.ok(!r.ok && /comes from the node key/.test(r.error) && /reset node-key/.test(r.error), r.ok ? "accepted" : r.error);
    t.equal(store.get(SETTINGS_DOMAIN, "node"), "0a1b2c3d");
    t.deepEqual(settings.get("node"), { ok: true, value: "from the node key" });
    // A damaged stored id is neither used nor a reason to fail.
    store.corrupt(SETTINGS_DOMAIN, "node", new ArrayBuffer(2));
    t.equal(settings.storedNodeId(), undefined);
  },
});
