// xsnap entry: runs the radio scenario on the XS engine and prints its result as one JSON line.
import { runScenario } from "./radio-scenario";

declare const print: (text: string) => void;

print(`SCENARIO ${JSON.stringify(runScenario())}`);
