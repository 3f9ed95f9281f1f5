// `system5` command line: the project's main jobs on a laptop. bin/system5.mjs installs and
// bundles on first use, then calls main(argv).
import { Command, CommanderError } from "commander";
import { registerDemoCommand } from "./demo-command";
import { registerSimCommands } from "./sim-command";
import { registerNodeCommand } from "./node-command";
import { registerViewCommand } from "./view-command";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("system5")
    .description("System 5 LoRa mesh: protocol demo, simulator, host run of the firmware and host tools")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerSimCommands(program);
  registerDemoCommand(program);
  registerNodeCommand(program);
  registerViewCommand(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`system5: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
