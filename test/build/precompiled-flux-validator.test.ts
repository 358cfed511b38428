import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error bin/build.mjs is plain JavaScript without type declarations
import { precompiledValidators } from "../../bin/build.mjs";
import { fluxSchemaValidators } from "../../src/synth/flux-schema-validators.js";
import { upstreamSchemaProblems } from "../../src/synth/upstream-schemas.js";
import { allObjects, renderedRelease } from "../support/rendered.js";
import { copyCheckout } from "../support/checkout-copy.js";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// The build swaps ajv's run-time compilation of Flux's vendored CRD schemas for code compiled at
// build time (bin/build.mjs). The built synth must report exactly what the source reports.
const REFUSED = [
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "x", labels: { a: 1 } }, spec: { interval: "5x", url: "http://x", ref: { tag: 3 } } },
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "x" }, spec: { url: 1, type: "git" } },
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "x" }, spec: { interval: "1m" } },
  {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "x" },
    spec: { interval: "5m", chartRef: { kind: "OCIRepository", name: "x" }, postRenderers: [{ kustomize: { patches: [{ patch: "x", target: { kind: 3 } }] } }], upgrade: { remediation: { retries: "3" } } },
  },
  { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "x", annotations: { a: true } }, spec: { interval: "5m", prune: "yes", sourceRef: { kind: "Nope", name: "x" } } },
];

describe("the Flux schema validators compiled at build time", () => {
  it("report, field by field, what the validators compiled at run time report, and accept the rendered releases", async () => {
    const dir = join(tempDir(), "bundle");
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, `export { upstreamSchemaProblems } from ${JSON.stringify(join(PROJECT_ROOT, "src", "synth", "upstream-schemas.ts"))};\n`);
    const out = join(dir, "entry.cjs");
    const result = await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      plugins: [precompiledValidators(PROJECT_ROOT)],
      logLevel: "silent",
      absWorkingDir: PROJECT_ROOT,
      metafile: true,
    });
    // The bundle holds ajv's standalone code, not its compiler nor the schema files.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => path.includes("schemas/upstream/flux/") || path.includes("ajv/dist/compile/index"))).toEqual([]);
    const built = createRequire(import.meta.url)(out) as { upstreamSchemaProblems: typeof upstreamSchemaProblems };

    for (const object of REFUSED) {
      const expected = upstreamSchemaProblems(object);
      expect(expected.length, JSON.stringify(object)).toBeGreaterThan(0);
      expect(built.upstreamSchemaProblems(object)).toEqual(expected);
    }
    expect(upstreamSchemaProblems(REFUSED[0]!)).toEqual([
      'spec.interval: must match pattern "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"',
      "spec.ref.tag: must be string",
      'spec.url: must match pattern "^oci://.*$"',
      "metadata.labels.a: must be string",
    ]);
    const rendered = allObjects(renderedRelease("1.0-rc5")).filter((object) => object.apiVersion.includes("fluxcd.io"));
    expect(rendered.length).toBeGreaterThan(5);
    for (const object of rendered) expect(built.upstreamSchemaProblems(object), `${object.kind} ${JSON.stringify(object.metadata)}`).toEqual([]);
  }, 60_000);

  it("validate every vendored schema, and only those", () => {
    const files = readdirSync(join(PROJECT_ROOT, "schemas", "upstream", "flux")).filter((entry) => entry.endsWith(".json"));
    const keys = files.map((file) => file.replace(/\.json$/, "").replace(/^([^_]+)_([^_]+)_(.+)$/, "$1/$2/$3")).sort();
    expect(Object.keys(fluxSchemaValidators()).sort()).toEqual(keys);
    expect(keys).toEqual([
      "helm.toolkit.fluxcd.io/v2/HelmRelease",
      "kustomize.toolkit.fluxcd.io/v1/Kustomization",
      "source.toolkit.fluxcd.io/v1/GitRepository",
      "source.toolkit.fluxcd.io/v1/HelmRepository",
      "source.toolkit.fluxcd.io/v1/OCIRepository",
    ]);
  });

  it("are generated once and kept in build/.validators/: a build with the kept code writes the same bytes", async () => {
    const checkout = copyCheckout();
    const entry = join(checkout, "entry.ts");
    writeFileSync(entry, 'export { upstreamSchemaProblems } from "./src/synth/upstream-schemas.ts";\n');
    const bundle = async (out: string) => {
      await build({ entryPoints: [entry], outfile: join(checkout, out), bundle: true, format: "cjs", platform: "node", target: "node20", plugins: [precompiledValidators(checkout)], logLevel: "silent", absWorkingDir: checkout });
      return readFileSync(join(checkout, out));
    };
    const generated = await bundle("first.cjs");
    const kept = readdirSync(join(checkout, "build", ".validators"));
    expect(kept).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.js$/)]);
    expect((await bundle("second.cjs")).equals(generated)).toBe(true);
    // The kept code is what the second build used: a changed copy shows up in its output.
    const keptFile = join(checkout, "build", ".validators", kept[0]!);
    writeFileSync(keptFile, readFileSync(keptFile, "utf8").replace("must be string", "must be a string (kept)"));
    expect((await bundle("third.cjs")).toString("utf8")).toContain("must be a string (kept)");
  }, 60_000);
});
