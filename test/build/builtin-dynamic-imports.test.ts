import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/run-cli.js";

// On Node 20, a script compiled from V8's code cache (how bin/command.mjs runs every command after
// its first run) cannot run `import()`: "A dynamic import callback was not specified". Imports of
// bundled modules become `require` calls; the build must do the same for Node's built-ins (the AWS
// SDK in iso-publish imports node:http and node:async_hooks that way on some paths).
describe("the built commands", () => {
  it("keep no dynamic import() of a Node built-in", () => {
    const { dir } = JSON.parse(readFileSync(join(PROJECT_ROOT, "build", "stamp.json"), "utf8")) as { dir: string };
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const bundles = readdirSync(join(PROJECT_ROOT, "build", dir)).filter((file) => file.endsWith(".cjs"));
    expect(bundles).toContain("iso-publish.cjs");
    const found = bundles.flatMap((file) =>
      [...readFileSync(join(PROJECT_ROOT, "build", dir, file), "utf8").matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)]
        .map((match) => match[1]!)
        .filter((specifier) => builtins.has(specifier))
        .map((specifier) => `${file}: import("${specifier}")`),
    );
    expect(found).toEqual([]);
  });
});
