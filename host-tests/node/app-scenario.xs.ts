// xsnap entry: runs the app scenario on the XS engine and prints its result as one JSON line.
import { runAppScenario } from "./app-scenario";

declare const print: (text: string) => void;

print(`APP ${JSON.stringify(runAppScenario())}`);
