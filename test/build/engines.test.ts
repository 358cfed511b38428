import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

interface LockEntry {
  readonly dev?: boolean;
  readonly optional?: boolean;
}

/**
 * Every installed package (as package-lock.json lists them: what `npm ci` installs) whose own
 * `engines.node` leaves out the kit's floor, the lowest version package.json's `engines.node` admits.
 * Reads each package's installed package.json, not the lock's copy of it.
 */
function enginesExcludingFloor(root: string): string[] {
  const kit = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
  const floor = semver.minVersion(kit.engines.node);
  if (!floor) throw new Error(`package.json engines.node ${kit.engines.node} has no lowest version`);
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const excluding: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "") continue;
    let manifest: { name?: string; version?: string; engines?: { node?: unknown } };
    try {
      manifest = JSON.parse(readFileSync(join(root, path, "package.json"), "utf8"));
    } catch (error) {
      // Optional packages for other platforms (esbuild's binaries) are listed but not installed.
      if (entry.optional && (error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const range = manifest.engines?.node;
    if (typeof range !== "string") continue;
    if (!semver.satisfies(floor, range)) excluding.push(`${manifest.name}@${manifest.version} (${entry.dev ? "dev" : "production"}) needs node ${range}, the kit says ${kit.engines.node}`);
  }
  return excluding;
}

describe("engines tell the truth (issue 17, point 6)", () => {
  it("no installed package, production or dev, needs a newer Node than the kit's engines floor", () => {
    expect(enginesExcludingFloor(PROJECT_ROOT)).toEqual([]);
  });

  it("the check names a package whose floor is above the kit's (kubernetes-models 5.1.0 declared node >=22)", () => {
    const root = tempDir();
    const write = (path: string, value: unknown) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), JSON.stringify(value));
    };
    write("package.json", { name: "kit", engines: { node: ">=20.19" } });
    write("package-lock.json", {
      packages: {
        "": {},
        "node_modules/kubernetes-models": {},
        "node_modules/old-enough": {},
        "node_modules/@esbuild/darwin-arm64": { optional: true },
        "node_modules/tool": { dev: true },
      },
    });
    write("node_modules/kubernetes-models/package.json", { name: "kubernetes-models", version: "5.1.0", engines: { node: ">=22" } });
    write("node_modules/old-enough/package.json", { name: "old-enough", version: "1.0.0", engines: { node: ">=14 || ^20.19.0" } });
    write("node_modules/tool/package.json", { name: "tool", version: "2.0.0", engines: { node: "^18 || >=20.20" } });
    expect(enginesExcludingFloor(root)).toEqual([
      "kubernetes-models@5.1.0 (production) needs node >=22, the kit says >=20.19",
      "tool@2.0.0 (dev) needs node ^18 || >=20.20, the kit says >=20.19",
    ]);
  });
});
