// `contact …` on the running node (the console's and the device API's ContactsHost): the core's
// ContactBook decides (bound keys only, conflicts, a full book: docs/security.md §8 "Contacts");
// what it takes is written to flash, what it removes erased. A flash failure never undoes the
// change in RAM; it is reported. Apart from mesh-binding.ts so the shared suites (XS) test it.
import type { SecureStation } from "../core/security/secure-station";
import type { ContactsHost, FlashStep } from "./console";
import type { PreferenceContactStore } from "./contact-store";

export function contactsHost(secure: SecureStation, store: PreferenceContactStore | undefined, now: () => number): ContactsHost {
  const failure = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  return {
    own: () => {
      const key = secure.publicKey;
      return key === undefined ? undefined : { id: secure.id, publicKey: key };
    },
    add: (id, publicKey) => {
      const r = secure.addContact(now(), id, publicKey);
      if (!r.ok || store === undefined) return r;
      let step: FlashStep = "read";
      try {
        // Already held (added: false) after a failed write: the record is missing or damaged, so
        // the retry writes it; otherwise the contact would be gone at the next boot.
        if (!r.added && store.holds(id, publicKey)) return r;
        step = "write";
        store.save(id, publicKey);
        return r.added ? r : { ...r, rewritten: true };
      } catch (e) {
        return { ...r, saveError: failure(e), saveFailedOn: step };
      }
    },
    remove: (id) => {
      let removed = secure.removeContact(id);
      let step: FlashStep = "read";
      let failed: { saveError: string; saveFailedOn: FlashStep } | undefined;
      try {
        // A record with no contact behind it (refused at boot, kept) goes too.
        if (store?.has(id) === true) {
          removed = true;
          step = "write";
          store.remove(id);
        }
      } catch (e) {
        failed = { saveError: failure(e), saveFailedOn: step };
      }
      return { removed, keyKept: secure.knowsKeyOf(id), ...failed };
    },
    list: () => secure.contactList(),
    get max() {
      return secure.maxContacts;
    },
  };
}
