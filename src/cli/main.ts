// `system5` command line: the project's main jobs on a laptop. bin/system5.mjs installs and
// bundles on first use, then calls main(argv).
//
// Exit codes, for every command: 0 success, 1 the job failed (a run error, a node that did not
// answer), 2 a usage error (unknown command or option, a bad value, a missing argument).
import { Command, CommanderError } from "commander";
import { registerConnectCommand } from "./connect-command";
import { registerDemoCommand } from "./demo-command";
import { registerMeshCommand } from "./mesh-command";
import { registerNodeCommand } from "./node-command";
import { registerSimCommands } from "./sim-command";
import { VERSION } from "./version";
import { registerViewCommand } from "./view-command";

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Commander's codes for help and --version, which are not errors. */
const NOT_ERRORS = new Set(["commander.helpDisplayed", "commander.help", "commander.version", "commander.executeSubCommandAsync"]);

export async function main(argv: string[]): Promise<number> {
  const program = new Command("system5")
    .description("System 5 LoRa mesh: protocol demo, simulator, host run of the firmware and host tools")
    .version(VERSION, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerSimCommands(program);
  registerDemoCommand(program);
  registerNodeCommand(program);
  registerMeshCommand(program);
  registerConnectCommand(program);
  registerViewCommand(program);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return NOT_ERRORS.has(e.code) ? 0 : e.exitCode === EXIT_FAILED || e.exitCode === EXIT_USAGE ? usageOr(e) : e.exitCode;
    process.stderr.write(`system5: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILED;
  }
}

/** Commander reports its own usage errors with exit code 1; ours say 1 or 2 on purpose. */
function usageOr(e: CommanderError): number {
  if (e.code.startsWith("commander.") && e.code !== "commander.error") return EXIT_USAGE;
  return e.exitCode;
}
