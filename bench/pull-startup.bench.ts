import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { publishRelease } from "../src/distribution/publish-release.js";
import { openReleaseStore } from "../src/distribution/release-store.js";
import { openStagedRelease } from "../src/distribution/staged-release.js";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { median } from "./measure.js";

const ROOT = join(import.meta.dirname, "..");
const TIME = "/usr/bin/time";

interface ProcessFigures {
  readonly label: string;
  readonly wallMs: number;
  readonly maxRssKb: number;
}

/**
 * Start-up time and peak RSS of the appliance-side command as its own process (what an appliance
 * pays): `pull --help` (loading only) and a whole pull from an OCI image layout. Peak RSS comes
 * from GNU time's %M (the child's maximum resident set size).
 */
export async function benchPullStartup(runs: number): Promise<ProcessFigures[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-pull-"));
  try {
    const dist = join(work, "dist");
    await writeRelease(dist, synthesizeRelease(join(ROOT, "releases", "1.0-rc5.yaml"), 0));
    const layout = join(work, "layout");
    await publishRelease(await openStagedRelease(dist, "1.0-rc5"), openReleaseStore({ ociLayout: layout }), { channels: ["stable"] });
    const loader = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const pull = join(ROOT, "src", "cli", "pull.ts");
    let n = 0;
    const cases: [string, () => string[]][] = [
      ["node -e 0", () => [process.execPath, "-e", "0"]],
      ["pull --help", () => [process.execPath, "--import", loader, pull, "--help"]],
      ["pull --oci-layout --channel stable", () => [process.execPath, "--import", loader, pull, "--oci-layout", layout, "--channel", "stable", "--out", join(work, `out-${n++}`)]],
    ];
    const figures: ProcessFigures[] = [];
    for (const [label, argv] of cases) {
      const walls: number[] = [];
      const rss: number[] = [];
      for (let run = 0; run <= runs; run++) {
        const stats = join(work, "time.txt");
        const result = spawnSync(TIME, ["-f", "%e %M", "-o", stats, ...argv()], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
        if (result.status !== 0) throw new Error(`${label} exited ${result.status}: ${result.stderr.toString()}`);
        const [seconds, kb] = readFileSync(stats, "utf8").trim().split(/\s+/).slice(-2).map(Number);
        if (run === 0) continue; // warm-up
        walls.push(seconds! * 1000);
        rss.push(kb!);
      }
      figures.push({ label, wallMs: median(walls), maxRssKb: median(rss) });
    }
    console.log(`\npull start-up and peak RSS as a process (median of ${runs} runs after a warm-up; GNU time)`);
    for (const f of figures) console.log(`  ${f.label.padEnd(36)} wall ${f.wallMs.toFixed(0).padStart(6)} ms   peak RSS ${(f.maxRssKb / 1024).toFixed(1).padStart(6)} MB`);
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) await benchPullStartup(Number(process.env["BENCH_RUNS"] ?? 5));
