// Key strength (issue 14): `key random` draws a 256-bit network key and prints it as a share
// string that `set key` accepts; a share string with a typo is refused; the share string is used
// as the key itself (no passphrase stretching).
import { parseShareString, shareString } from "../../src/core/security/keys";
import { suite } from "./harness";
import { toHex } from "./hex";
import { fakeHost, terminal } from "./console.cases";

export default suite("key random and share strings", {
  "key random prints a share string of 32 bytes from the host's random source, which set key accepts"(t) {
    let calls = 0;
    const { host, settings } = fakeHost({
      randomBytes: (n: number) => {
        calls++;
        return new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);
      },
    });
    const term = terminal(host);
    const out = term.type("key random\r");
    t.equal(calls, 1);
    const m = /(s5k1:[0-9a-f]{68})/.exec(out);
    if (m === null) return t.fail(`no share string in ${JSON.stringify(out)}`);
    const parsed = parseShareString(m[1]);
    t.ok(parsed.ok && toHex(parsed.key) === toHex(new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff)), "the printed string carries the drawn key");
    t.ok(/set key s5k1:/.test(out), "it says how to use it");
    const set = term.type(`set key ${m[1]}\r`);
    t.ok(!/error/i.test(set), `set key accepts it: ${JSON.stringify(set)}`);
    t.equal(settings.current.passphrase, m[1]);
    t.ok(/usage: key random/.test(term.type("key\r")), "key alone shows the usage");
  },
  "a share string with a wrong digit is refused, and never echoed"(t) {
    const good = shareString(new Uint8Array(32).fill(0x5a));
    const typo = good.slice(0, 10) + (good[10] === "0" ? "1" : "0") + good.slice(11);
    t.ok(parseShareString(good).ok);
    const bad = parseShareString(typo);
    t.ok(!bad.ok && /check digits/.test(bad.error));
    const { host } = fakeHost();
    const out = terminal(host, false).type(`set key ${typo}\r`);
    t.ok(/error/.test(out) && !out.includes(typo.slice(5)), `refused without echoing the key: ${JSON.stringify(out)}`);
  },
});
