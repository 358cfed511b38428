import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { ProcessCase } from "./measure.js";

export const ROOT = join(import.meta.dirname, "..");

/** A command as its npm script starts it (`node bin/command.cjs <name>`), npm's own start-up excluded. */
export function commandCase(id: string, label: string, command: string, args: (round: number) => string[]): ProcessCase {
  return { id, label, command: process.execPath, args: (round) => [join(ROOT, "bin", "command.cjs"), command, ...args(round)], cwd: ROOT };
}

/** The process floor, synth of the shipped releases, the cdk8s template's runner, pull --help, and pull --help after a source changed. */
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
    ...staleCases(throwawayCheckout(work)),
  ];
}

/**
 * A copy of the checkout's sources with its current build/ (mtimes kept, so the copy's stamps hold)
 * and node_modules linked: the stale rows edit sources there, never in the checkout, so a killed
 * benchmark leaves the checkout as it was.
 */
function throwawayCheckout(work: string): string {
  const checkout = join(work, "checkout");
  mkdirSync(checkout);
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "cdk8s.yaml", "bin", "src", "constructs", "schemas", "releases", "iso", "build"]) {
    cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(checkout, "node_modules"));
  return checkout;
}

/**
 * pull --help after a source it is built from changed: once with its mtime moved but its bytes the
 * same (an editor's save, a checkout of the same content: the launcher hashes it and runs), once with
 * its bytes changed (a line appended each round: the launcher rebuilds pull, then runs it).
 */
function staleCases(checkout: string): ProcessCase[] {
  const pullHelp = 'exec "$0" bin/command.cjs pull --help';
  return [
    { id: "stale-touch", label: "pull --help after a source was touched, bytes unchanged", command: "sh", args: () => ["-c", `touch src/errors.ts && ${pullHelp}`, process.execPath], cwd: checkout },
    {
      id: "stale-rebuild",
      label: "pull --help after a source's bytes changed (rebuild)",
      command: "sh",
      args: (round) => ["-c", `printf '// bench edit %s\\n' "$1" >> src/errors.ts && ${pullHelp}`, process.execPath, String(round)],
      cwd: checkout,
    },
  ];
}
