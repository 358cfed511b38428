// Issue 7, point 13: the appliance side stopped loading the renderer. Both sides are run the same
// way (the TypeScript sources under tsx, as every command ran before the build of issue 11), so the
// difference is what pull loads: the sources of commit 88201b5 (before) against today's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ProcessCase } from "./measure.js";
import { ROOT } from "./start-up.cases.js";

/** The last commit before pull stopped loading cdk8s and the model validators. */
export const BEFORE_POINT_13 = "88201b5";

/**
 * Extracts the sources of BEFORE_POINT_13 into `work`, sharing today's node_modules; a reason instead
 * when there is no git history, or when those sources no longer load with today's packages (issue 17
 * replaced @kubernetes-models/flux-cd, which they import, by vendored Flux schemas).
 */
export function checkoutBeforePoint13(work: string): { dir: string } | { skipped: string } {
  try {
    execFileSync("git", ["cat-file", "-e", `${BEFORE_POINT_13}^{commit}`], { cwd: ROOT, stdio: "ignore" });
  } catch {
    return { skipped: "no git history" };
  }
  const dir = join(work, "before-point-13");
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", ["archive", BEFORE_POINT_13, "package.json", "src", "schemas", "constructs"], { cwd: ROOT, maxBuffer: 64 << 20 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  try {
    execFileSync(process.execPath, pullHelpUnderTsx(dir), { cwd: dir, stdio: "ignore" });
  } catch {
    return { skipped: `the sources of ${BEFORE_POINT_13} do not run with today's node_modules` };
  }
  return { dir };
}

/** `node --import tsx <root>/src/cli/pull.ts --help` */
export function pullHelpUnderTsx(root: string): string[] {
  return ["--import", pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href, join(root, "src", "cli", "pull.ts"), "--help"];
}

export function pullBeforeAfterCases(before: string): ProcessCase[] {
  return [
    { id: "pull-help-tsx-before", label: `pull --help under tsx, before point 13 (${BEFORE_POINT_13})`, command: process.execPath, args: () => pullHelpUnderTsx(before), cwd: before },
    { id: "pull-help-tsx-after", label: "pull --help under tsx, today's sources", command: process.execPath, args: () => pullHelpUnderTsx(ROOT), cwd: ROOT },
  ];
}
