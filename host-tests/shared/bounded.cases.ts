// Bounded tables (src/core/bounded.ts): the one "oldest out first" rule every core table uses
// (docs/protocol.md §18).
import { addNewest, makeRoom, setNewest } from "../../src/core/bounded";
import { KnownIds } from "../../src/core/ogm-schedule";
import { suite } from "./harness";

export default suite("bounded tables", {
  "makeRoom drops the oldest entries until one more fits, and never loops on an empty table"(t) {
    const m = new Map([["a", 1], ["b", 2], ["c", 3]]);
    makeRoom(m, 3);
    t.equal([...m.keys()].join(","), "b,c", "one dropped, the oldest");
    makeRoom(m, 1);
    t.equal(m.size, 0, "a table above its bound shrinks to make room");
    makeRoom(m, 0);
    t.equal(m.size, 0, "an empty table with no room stays empty (and returns)");
    const s = new Set([1, 2]);
    makeRoom(s, 5);
    t.equal([...s].join(","), "1,2", "room already: nothing dropped");
  },
  "setNewest refreshes a key seen again, so the least recently set goes first"(t) {
    const m = new Map<string, number>();
    setNewest(m, "a", 1, 2);
    setNewest(m, "b", 2, 2);
    setNewest(m, "a", 3, 2);
    setNewest(m, "c", 4, 2);
    t.equal([...m.entries()].map(([k, v]) => `${k}=${v}`).join(","), "a=3,c=4", "b, not the refreshed a, went");
  },
  "addNewest says whether the key was new and keeps at most max members"(t) {
    const s = new Set<number>();
    t.equal(addNewest(s, 1, 2), true, "new");
    t.equal(addNewest(s, 2, 2), true, "new");
    t.equal(addNewest(s, 1, 2), false, "known: refreshed");
    t.equal(addNewest(s, 3, 2), true, "new, 2 goes");
    t.equal([...s].join(","), "1,3");
  },
  "KnownIds: an id learnt again is not news, and a full set forgets the least recently learnt"(t) {
    const k = new KnownIds(2);
    t.equal(k.learn("node", 1), true);
    t.equal(k.learn("cluster", 1), true, "kinds are apart");
    t.equal(k.learn("node", 1), false, "known");
    t.equal(k.learn("node", 2), true, "cluster:1 goes, node:1 was refreshed");
    t.equal(k.learn("node", 1), false, "node:1 kept");
    t.equal(k.learn("cluster", 1), true, "cluster:1 forgotten");
  },
});
