import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/run-cli.js";

/** Every package (bare specifier) a source file reaches through its static and dynamic relative imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));
        if (existsSync(target)) pending.push(target);
      } else if (!specifier.startsWith("node:")) {
        packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
      }
    }
  }
  return packages;
}

describe("the Pulumi program stays out of the commands", () => {
  const commands = readdirSync(join(PROJECT_ROOT, "src", "cli")).filter((name) => name.endsWith(".ts"));

  it.each(commands)("src/cli/%s never loads @pulumi/*", (name) => {
    const packages = [...packagesReachedFrom(join(PROJECT_ROOT, "src", "cli", name))];
    expect(packages.filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
  });

  it("the stack program does load them (so the check above can see a leak)", () => {
    expect([...packagesReachedFrom(join(PROJECT_ROOT, "src", "infra", "index.ts"))]).toEqual(
      expect.arrayContaining(["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/minio"]),
    );
  });

  it("pull (the appliance side) does not load the AWS SDK the ISO publisher uses", () => {
    const packages = [...packagesReachedFrom(join(PROJECT_ROOT, "src", "cli", "pull.ts"))];
    expect(packages.filter((name) => name.startsWith("@aws-sdk/"))).toEqual([]);
    expect([...packagesReachedFrom(join(PROJECT_ROOT, "src", "cli", "iso-publish.ts"))]).toContain("@aws-sdk/client-s3");
  });
});
