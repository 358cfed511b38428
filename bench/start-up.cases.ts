import { join } from "node:path";
import type { ProcessCase } from "./measure.js";

export const ROOT = join(import.meta.dirname, "..");

/** A command as its npm script starts it (`node bin/command.mjs <name>`), npm's own start-up excluded. */
export function commandCase(id: string, label: string, command: string, args: (round: number) => string[]): ProcessCase {
  return { id, label, command: process.execPath, args: (round) => [join(ROOT, "bin", "command.mjs"), command, ...args(round)], cwd: ROOT };
}

/** The process floor, synth of the shipped releases, the cdk8s template's runner, pull --help, and a stale command's rebuild. */
export function startUpCases(work: string): ProcessCase[] {
  const cdk8sApp = join(ROOT, "bench", "cdk8s-template-app");
  return [
    { id: "floor", label: "node -e 0", command: process.execPath, args: () => ["-e", "0"] },
    commandCase("synth", "synth, shipped releases", "synth", (round) => ["--out", join(work, `synth-${round}`)]),
    {
      id: "cdk8s",
      label: "npx cdk8s synth, 50 cdk8s-plus Deployments (template: ts-node)",
      // cdk8s-cli itself, without npx in front; it starts the template's `npx ts-node main.ts`.
      command: process.execPath,
      args: (round) => [join(ROOT, "node_modules", "cdk8s-cli", "bin", "cdk8s"), "synth", "--output", join(work, `cdk8s-${round}`)],
      cwd: cdk8sApp,
    },
    commandCase("pull-help", "pull --help", "pull", () => ["--help"]),
    {
      // A source's mtime moves (an editor's save without a change): the launcher rebuilds, then runs.
      id: "stale-rebuild",
      label: "pull --help after a source changed (rebuild)",
      command: "sh",
      args: () => ["-c", 'touch src/errors.ts && exec "$0" bin/command.mjs pull --help', process.execPath],
      cwd: ROOT,
    },
  ];
}
