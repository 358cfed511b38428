/**
 * Issue 11, point 3: publish checks a staged release (pins, preflight references) from its files,
 * so its bundle holds no renderer: cdk8s, the constructs and the model packages stay with synth.
 * Without this, one import of the renderer from a checking module makes every publish parse them.
 */
import { describe, expect, it } from "vitest";
import { builtCommand } from "../support/built-commands.js";
import { importChain, importGraph } from "../support/import-graph.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

const RENDER_PACKAGES = /^(cdk8s|cdk8s-plus-\d+|constructs|kubernetes-models|@kubernetes-models\/.*)(\/|$)/;
const RENDERER = /^(constructs\/|src\/synth\/(compose-release|synth-release)\.ts$)/;

describe("npm run publish", () => {
  it("imports no construct or renderer module", () => {
    const graph = importGraph(["src/cli/publish.ts"]);
    const offending = [...[...graph.files].filter((file) => RENDERER.test(file)), ...[...graph.packages].filter((specifier) => RENDER_PACKAGES.test(specifier))];
    expect(offending.map((module) => importChain(graph, module))).toEqual([]);
    // The walk reached the pin check's reference collector, so an empty list above means something.
    expect(graph.files.has("src/synth/reference-collector.ts")).toBe(true);
  });

  it("is built into a bundle without them", () => {
    const { bundled } = builtCommand(PROJECT_ROOT, "publish");
    expect(bundled).toContain("src/distribution/staged-references.ts");
    expect(bundled.filter((path) => /^node_modules\/(cdk8s|cdk8s-plus-31|constructs|kubernetes-models|@kubernetes-models)\//.test(path) || RENDERER.test(path))).toEqual([]);
  });
});
