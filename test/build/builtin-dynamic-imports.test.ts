import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";
import { builtCommands } from "../support/built-commands.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

// On Node 20, a script compiled from V8's code cache (how bin/command.cjs runs every command after
// its first run) cannot run `import()`: "A dynamic import callback was not specified". Imports of
// bundled modules become `require` calls; the build must do the same for Node's built-ins (the AWS
// SDK in iso-publish imports node:http and node:async_hooks that way on some paths).
describe("the built commands", () => {
  it("keep no dynamic import() of a Node built-in", () => {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const bundles = builtCommands(PROJECT_ROOT);
    expect(bundles.map((bundle) => bundle.command)).toContain("iso-publish");
    const found = bundles.flatMap((bundle) =>
      [...readFileSync(bundle.file, "utf8").matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)]
        .map((match) => match[1]!)
        .filter((specifier) => builtins.has(specifier))
        .map((specifier) => `${bundle.command}: import("${specifier}")`),
    );
    expect(found).toEqual([]);
  });
});
