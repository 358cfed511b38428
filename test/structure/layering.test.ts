/**
 * Issue 7, points 12 and 14: dependencies point one way, and each piece of vocabulary (media
 * types, annotation keys, name grammars, the application namespaces) is written in one place.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { importChain, importGraph } from "../support/import-graph.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(dir, file));
}

/** What each layer must never load (the layers above it). */
const UPPER = "synth|policy|manifest|distribution|cli|release|signing|services|infra|iso|image";
const FORBIDDEN: [string, RegExp][] = [
  ["schemas", new RegExp(`^(constructs|src/(${UPPER}|bundle))/`)],
  ["src/oci", new RegExp(`^(schemas|constructs|src/(${UPPER}|bundle))/`)],
  ["src/bundle", new RegExp(`^(schemas|constructs|src/(${UPPER}))/`)],
  // Signing knows OCI content and keys, nothing of Alga (schemas) nor of what publishes or pulls.
  ["src/signing", new RegExp(`^(schemas|constructs|src/(${UPPER.replace("|signing", "")}|bundle))/`)],
  // Image building knows OCI content, tar/gzip and signatures, nothing of Alga (the status image's contents are chosen in src/distribution).
  ["src/image", new RegExp(`^(schemas|constructs|src/(${UPPER.replace("|signing", "").replace("|image", "")}))/`)],
  ["src/fs", new RegExp(`^(schemas|constructs|src/(${UPPER}|bundle|oci))/`)],
  ["src/manifest", /^(constructs|src\/(synth|policy|distribution|cli))\//],
  ["constructs", /^src\/(synth|policy|distribution|cli|manifest)\//],
  ["src/policy", /^src\/(synth|distribution|cli)\//],
];

describe.each(FORBIDDEN)("%s", (layer, above) => {
  it("imports nothing from the layers above it", () => {
    const graph = importGraph(sourceFiles(layer));
    const upward = [...graph.files].filter((file) => above.test(file));
    expect(upward.map((file) => importChain(graph, file))).toEqual([]);
  });
});

/** Every string literal in the project's sources, with the file it is in. */
function stringLiterals(): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  for (const file of [...sourceFiles("src"), ...sourceFiles("constructs"), ...sourceFiles("schemas")]) {
    const source = ts.createSourceFile(file, readFileSync(join(PROJECT_ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
        found.push({ file: relative(".", file), text: node.text });
      } else if (ts.isRegularExpressionLiteral(node)) {
        found.push({ file: relative(".", file), text: node.text });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const filesWith = (pattern: RegExp) => [...new Set(stringLiterals().filter(({ text }) => pattern.test(text)).map(({ file }) => file))].sort();

describe("vocabulary is defined once", () => {
  it("media types: src/oci/media-types.ts (and the release manifest's own, beside its schema)", () => {
    expect(filesWith(/^application\/vnd\./)).toEqual(["schemas/release-manifest.ts", "src/oci/media-types.ts"]);
  });

  it("OCI annotation keys: src/oci/annotations.ts", () => {
    expect(filesWith(/^org\.opencontainers\.image\./)).toEqual(["src/oci/annotations.ts"]);
  });

  it("the tag, repository-name and digest grammars: src/oci/registry-reference.ts", () => {
    expect(filesWith(/\{0,127\}/)).toEqual(["src/oci/registry-reference.ts"]);
    expect(filesWith(/\[a-f0-9\]\{64\}/)).toEqual(["src/oci/registry-reference.ts"]);
    expect(filesWith(/\[a-z0-9\]\+\(\?:/)).toEqual(["src/oci/registry-reference.ts"]);
  });

  it("the application namespaces and component placements: schemas/components.ts, used by the control plane, synth, policies and the status service", () => {
    const lists = stringLiterals().filter(({ text }) => text === "msp");
    // The list itself and each component's placement; no second list anywhere.
    expect([...new Set(lists.map(({ file }) => file))].sort()).toEqual(["schemas/components.ts"]);
    expect(readFileSync(join(PROJECT_ROOT, "constructs/control-plane.ts"), "utf8")).toContain("APPLICATION_NAMESPACES");
  });
});
