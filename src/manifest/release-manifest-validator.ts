import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
// Imported, not read at run time: the build bundles the checked-in schema into the command.
import releaseManifestSchema from "../../schemas/release-manifest.schema.json" with { type: "json" };

/** How ajv reads the schema. bin/build.mjs compiles it ahead of time with the same options: change both together. */
const RELEASE_MANIFEST_AJV_OPTIONS = { allErrors: true, strict: true } as const;

let compiled: ValidateFunction | undefined;

/**
 * ajv's validator for the checked-in release-manifest JSON Schema, compiled once per process. The
 * build (bin/build.mjs) replaces this module with ajv's standalone code for the same schema and
 * options, so a built command does not spend ~100 ms compiling it on every pull.
 */
export function releaseManifestValidator(): ValidateFunction {
  compiled ??= new Ajv2020(RELEASE_MANIFEST_AJV_OPTIONS).compile(releaseManifestSchema);
  return compiled;
}
