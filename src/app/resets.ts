// What `reset` and `factory-reset` erase in the node's flash (the Preference store): the
// security layer's frame counter mark or node key (src/app/security.ts), or every setting, key
// pinned peer (src/app/peer-store.ts) and contact (src/app/contact-store.ts). Nothing here runs until the user confirmed at the console; all of it applies at the next
// boot (the node key and counter are loaded once, at boot).
import type { ResetTarget } from "./console";
import { CONTACT_DOMAIN } from "./contact-store";
import { PEER_DOMAIN } from "./peer-store";
import { SECURITY_DOMAIN, SECURITY_KEYS } from "./security";
import { SETTINGS_DOMAIN, type PreferenceLike } from "./settings";

export function erase(store: PreferenceLike, target: ResetTarget | "all"): string {
  const drop = (domain: string, keys: readonly string[]): void => {
    for (const k of keys) store.delete(domain, k);
  };
  switch (target) {
    case "counter":
      drop(SECURITY_DOMAIN, [SECURITY_KEYS.counter, SECURITY_KEYS.counterCopy, SECURITY_KEYS.counterLost]);
      return "frame counter mark erased; the node counts from 0 after reboot";
    case "node-key":
      drop(SECURITY_DOMAIN, [SECURITY_KEYS.nodeKey]);
      return "node key erased; a new key pair is drawn at the next boot (reboot to apply)";
    case "all":
      for (const domain of [SETTINGS_DOMAIN, SECURITY_DOMAIN, PEER_DOMAIN, CONTACT_DOMAIN]) drop(domain, store.keys(domain));
      return "every setting, key, pinned peer and contact erased";
  }
}
