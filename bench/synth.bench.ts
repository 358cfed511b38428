import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { printTimings, timeFunction, timeProcess, type Timing } from "./measure.js";

const root = join(import.meta.dirname, "..");
const tsx = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Whole-process synth of every release against the process floor, and the in-process cost of one release. */
export async function benchSynth(runs: number): Promise<Timing[]> {
  const out = mkdtempSync(join(tmpdir(), "ark-bench-synth-"));
  try {
    const processes = [
      timeProcess("node -e 0 (process floor)", process.execPath, ["-e", "0"], runs),
      timeProcess("synth, all releases (tsx)", process.execPath, ["--import", tsx, "src/cli/synth.ts", "--out", join(out, "tsx")], runs, { cwd: root }),
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
