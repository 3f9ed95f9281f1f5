// `contact …` on the running node (the console's and the device API's ContactsHost): the core's
// ContactBook decides (bound keys only, conflicts, a full book: docs/security.md §8 "Contacts");
// what it takes is written to flash, what it removes erased. A flash failure never undoes the
// change in RAM; it is reported. Apart from mesh-binding.ts so the shared suites (XS) test it.
import type { SecureStation } from "../core/security/secure-station";
import type { ContactsHost } from "./console";
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
      try {
        // Already held (added: false) after a failed write: the record is missing or damaged, so
        // the retry writes it; otherwise the contact would be gone at the next boot.
        if (!r.added) {
          if (store.holds(id, publicKey)) return r;
          store.save(id, publicKey);
          return { ...r, rewritten: true };
        }
        store.save(id, publicKey);
        return r;
      } catch (e) {
        return { ...r, saveError: failure(e) };
      }
    },
    remove: (id) => {
      let removed = secure.removeContact(id);
      let saveError: string | undefined;
      try {
        // A record with no contact behind it (refused at boot, kept) goes too.
        if (store?.remove(id) === true) removed = true;
      } catch (e) {
        saveError = failure(e);
      }
      return { removed, keyKept: secure.knowsKeyOf(id), ...(saveError === undefined ? {} : { saveError }) };
    },
    list: () => secure.contactList(),
    get max() {
      return secure.maxContacts;
    },
  };
}
