// `system5 demo`: prints how a message travels through a converged System 5 mesh.
import { Command, InvalidArgumentError } from "commander";
import { DEMO_DEFAULTS, DEMO_MAX_NODES, runDemo, validateDemoOptions } from "../demo/demo";
import { progressBar } from "../sim/report/progress";

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
    return n;
  };
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("build an in-memory mesh of System 5 nodes, let it converge, and trace a message hop by hop")
    .option("--nodes <n>", `number of nodes (3..${DEMO_MAX_NODES})`, int("--nodes"), DEMO_DEFAULTS.nodes)
    .option("--seed <s>", "random seed (placement and protocol)", int("--seed"), DEMO_DEFAULTS.seed)
    .option("--preset <name>", "modem preset, e.g. SHORT_FAST, MEDIUM_FAST, LONG_FAST", DEMO_DEFAULTS.preset)
    .option("--area <m>", "side of the square area in metres", positive("--area"), DEMO_DEFAULTS.areaM)
    .option("--range <m>", "radio range in metres on the ideal channel", positive("--range"), DEMO_DEFAULTS.rangeM)
    .action((opts: { nodes: number; seed: number; preset: string; area: number; range: number }) => {
      const o = { nodes: opts.nodes, seed: opts.seed, preset: opts.preset, areaM: opts.area, rangeM: opts.range };
      const problems = validateDemoOptions(o);
      if (problems.length > 0) {
        program.error(`system5 demo: ${problems.join("; ")}`, { exitCode: 2 });
      }
      // The mesh converges in up to an hour of mesh time; the bar shows the share of node pairs routed.
      const bar = progressBar("converging");
      let lines: string[];
      try {
        lines = runDemo(o, (_ms, share) => bar.update(share));
      } finally {
        bar.stop();
      }
      for (const line of lines) process.stdout.write(`${line}\n`);
    });
}
