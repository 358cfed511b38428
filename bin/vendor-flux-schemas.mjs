// Extracts the OpenAPI v3 schemas of the Flux kinds the kit renders from Flux's CRD files into
// schemas/upstream/flux/<group>_<version>_<Kind>.json, once per Flux upgrade (the files are checked in:
// synth validates against them, see src/synth/flux-schema-validators.ts).
//
//   node bin/vendor-flux-schemas.mjs <crds.yaml>...
//
// The inputs are the controllers' CRD files of one Flux release (source-, kustomize- and
// helm-controller: their release assets `*.crds.yaml`, or config/crd/bases/ of their tags); record
// the release in schemas/upstream/flux/README.md. The schema is kept as Flux wrote it, less the
// `description` prose, with an `$id` naming the kind: the same data the API server validates with.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "./build-stamp.cjs";

/** The Flux kinds the kit renders, as `apiVersion/kind` (src/synth/upstream-schemas.ts validates them). */
const KINDS = [
  "source.toolkit.fluxcd.io/v1/OCIRepository",
  "source.toolkit.fluxcd.io/v1/HelmRepository",
  "source.toolkit.fluxcd.io/v1/GitRepository",
  "kustomize.toolkit.fluxcd.io/v1/Kustomization",
  "helm.toolkit.fluxcd.io/v2/HelmRelease",
];

/** The schema without `description` (prose for humans, a third of the bytes); a property named "description" stays. */
function withoutDescriptions(schema) {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (schema === null || typeof schema !== "object") return schema;
  const result = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "description" && typeof value === "string") continue;
    // Under "properties" every key is a field name, not a keyword.
    result[key] = key === "properties" ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withoutDescriptions(sub)])) : withoutDescriptions(value);
  }
  return result;
}

function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node bin/vendor-flux-schemas.mjs <crds.yaml>...  (the CRD files of one Flux release)\n");
    process.exit(2);
  }
  const found = new Map();
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd = document.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const version of crd.spec.versions) {
        const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
        if (KINDS.includes(key)) found.set(key, version.schema.openAPIV3Schema);
      }
    }
  }
  const missing = KINDS.filter((key) => !found.has(key));
  if (missing.length > 0) {
    process.stderr.write(`error: the CRD files hold no schema for ${missing.join(", ")}\n`);
    process.exit(1);
  }
  const out = join(projectRoot(), "schemas", "upstream", "flux");
  mkdirSync(out, { recursive: true });
  for (const entry of readdirSync(out)) if (entry.endsWith(".json")) rmSync(join(out, entry));
  for (const key of KINDS) {
    const [group, version, kind] = key.split("/");
    const schema = { $id: key, ...withoutDescriptions(found.get(key)) };
    writeFileSync(join(out, `${group}_${version}_${kind}.json`), `${JSON.stringify(schema, null, 2)}\n`);
  }
  process.stderr.write(`wrote ${KINDS.length} schemas into schemas/upstream/flux/\n`);
}

main(process.argv.slice(2));
