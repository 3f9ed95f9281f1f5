// Every suite that must pass on both Node and the XS engine. Add new shared suites here.
import type { Suite } from "./harness";
import airtime from "./airtime.cases";
import console from "./console.cases";
import dutyLedger from "./duty-ledger.cases";
import nmea from "./nmea.cases";
import settings from "./settings.cases";

export const sharedSuites: readonly Suite[] = [airtime, dutyLedger, nmea, settings, console];
