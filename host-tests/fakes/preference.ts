// The tests' Preference store is the host run's (src/host/preference.ts): one implementation.
export { HostPreference as FakePreference } from "../../src/host/preference";
