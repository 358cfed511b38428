import { Ajv, type ValidateFunction } from "ajv";
// Imported, not read at run time: the build bundles the vendored schema into the command.
import autoinstallSchema from "../../iso/autoinstall-schema.json" with { type: "json" };

/**
 * How ajv reads Subiquity's schema: plain draft-07 without $schema, so strict mode would reject
 * its style, not our data. bin/build.mjs (AUTOINSTALL_AJV_OPTIONS there) compiles it ahead of time
 * with the same options and the same "uri" format: change both together.
 */
const AUTOINSTALL_AJV_OPTIONS = { allErrors: true, strict: false } as const;

/** The schema's one format, "uri" (the apt/snap proxy): checked as an absolute URL rather than warned about on every synth. */
function isUri(value: string): boolean {
  return URL.canParse(value);
}

let compiled: ValidateFunction | undefined;

/**
 * ajv's validator for the vendored autoinstall schema, compiled once per process. The build
 * replaces this module with ajv's standalone code for the same schema and options, so a built
 * synth does not spend ~40 ms compiling it (and ajv's meta-schema) on every run.
 */
export function autoinstallValidator(): ValidateFunction {
  compiled ??= new Ajv({ ...AUTOINSTALL_AJV_OPTIONS, formats: { uri: isUri } }).compile(autoinstallSchema);
  return compiled;
}
