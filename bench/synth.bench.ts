import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { printTimings, timeFunction, timeProcess, type Timing } from "./measure.js";

const root = join(import.meta.dirname, "..");
const tsx = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Compiles the project with tsc into `dir`, to time synth without an on-the-fly TypeScript loader. */
function compile(dir: string): string {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["--noEmit", "false", "--outDir", dir], { cwd: root, stdio: "ignore" });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  copyFileSync(join(root, "package.json"), join(dir, "package.json"));
  for (const file of readdirSync(join(root, "schemas")).filter((name) => name.endsWith(".json"))) {
    mkdirSync(join(dir, "schemas"), { recursive: true });
    copyFileSync(join(root, "schemas", file), join(dir, "schemas", file));
  }
  return join(dir, "src", "cli", "synth.js");
}

/** Whole-process synth of every release against the process floor, and the in-process cost of one release. */
export async function benchSynth(runs: number): Promise<Timing[]> {
  const out = mkdtempSync(join(tmpdir(), "ark-bench-synth-"));
  try {
    const processes = [
      timeProcess("node -e 0 (process floor)", process.execPath, ["-e", "0"], runs),
      timeProcess("synth, all releases (tsx)", process.execPath, ["--import", tsx, "src/cli/synth.ts", "--out", join(out, "tsx")], runs, { cwd: root }),
      timeProcess("synth, all releases (tsc-compiled JS)", process.execPath, [compile(join(out, "build")), "--out", join(out, "js")], runs, { cwd: root }),
      timeProcess(
        "synth via ts-node/esm (cdk8s template runner)",
        process.execPath,
        ["--loader", "ts-node/esm", "--no-warnings", "src/cli/synth.ts", "--out", join(out, "ts-node")],
        Math.max(3, Math.ceil(runs / 2)),
        { cwd: root },
        "type-checks on every run",
      ),
    ];
    const file = join(root, "releases", "1.0-rc5.yaml");
    const inProcess = [
      await timeFunction("render + validate + bundle one release (in process)", () => synthesizeRelease(file, 0), runs * 4),
      await timeFunction("… and write it to disk (in process)", async () => writeRelease(join(out, "inproc"), synthesizeRelease(file, 0)), runs * 4),
    ];
    printTimings("synth", [...processes, ...inProcess]);
    return [...processes, ...inProcess];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
