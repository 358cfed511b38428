/**
 * Issue 7, point 13: pull, channels and promote run on the appliance side, on a small box: they
 * load no construct or renderer code (cdk8s, constructs, kubernetes-models, the synth stack).
 * Checked statically (every import reachable from the command's file) and at run time (which
 * CommonJS packages a real `pull` process loaded).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtCommand } from "../support/built-commands.js";
import { importChain, importGraph } from "../support/import-graph.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const RENDER_PACKAGES = /^(cdk8s|cdk8s-plus-\d+|constructs|kubernetes-models|@kubernetes-models\/.*)(\/|$)/;
const RENDER_DIRECTORIES = /^(constructs\/|src\/synth\/)/;

describe.each(["pull", "channels", "promote"])("npm run %s", (command) => {
  it("imports no construct, renderer or model-validator module", () => {
    const graph = importGraph([`src/cli/${command}.ts`]);
    const offending = [
      ...[...graph.files].filter((file) => RENDER_DIRECTORIES.test(file)),
      ...[...graph.packages].filter((specifier) => RENDER_PACKAGES.test(specifier)),
    ];
    expect(offending.map((module) => importChain(graph, module))).toEqual([]);
    // The walk did find the command's real work, so an empty list above means something.
    expect(graph.files.has("src/distribution/release-store.ts")).toBe(true);
  });
});

describe("a pull process", () => {
  it("loads none of those packages at run time", async () => {
    const record = join(tempDir(), "loaded.json");
    // Node's CommonJS cache lists every CommonJS module the process loaded (cdk8s and the model packages are CommonJS).
    const hook = join(tempDir(), "record-loaded.mjs");
    writeFileSync(
      hook,
      `import { createRequire } from "node:module"; import { writeFileSync } from "node:fs";
       const require = createRequire(import.meta.url);
       process.on("exit", () => writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));`,
    );
    const result = await runCli("pull", ["--help"], { env: { NODE_OPTIONS: `--import=${hook}` } });
    expect(result.code, result.stderr).toBe(0);
    const loaded = JSON.parse(readFileSync(record, "utf8")) as string[];
    expect(loaded.filter((path) => /\/node_modules\/(cdk8s|cdk8s-plus-31|constructs|kubernetes-models|@kubernetes-models)\//.test(path))).toEqual([]);
    // The command runs as one bundle (bin/build.mjs): what it holds is all the process can load
    // besides Node's built-ins. It holds the YAML writer and the OCI client, and no renderer.
    const { bundled } = builtCommand(PROJECT_ROOT, "pull");
    expect(bundled.some((path) => path.startsWith("node_modules/yaml/"))).toBe(true);
    expect(bundled).toContain("src/oci/registry-client.ts");
    expect(bundled.filter((path) => /^node_modules\/(cdk8s|cdk8s-plus-31|constructs|kubernetes-models|@kubernetes-models)\//.test(path) || RENDER_DIRECTORIES.test(path))).toEqual([]);
  }, 60_000);
});
