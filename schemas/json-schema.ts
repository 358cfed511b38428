import { z } from "zod";
import { ValuesProfile } from "./profile.js";
import { ReleaseManifest } from "./release-manifest.js";
import { LicenseServiceDefinition } from "./license-service.js";
import { ReleaseDefinition } from "./release.js";
import { ReleaseLock } from "./release-lock.js";
import { ApplianceStatus } from "./status.js";
import { ChannelStatement } from "./channel-statement.js";
import { NodeRuntimeBaseDefinition } from "./node-runtime-base.js";

/**
 * The JSON Schema files generated from the zod schemas, keyed by file name.
 * Input documents (written by people) are described as input, so fields with defaults are optional;
 * the release manifest is described as what the kit writes and an appliance reads.
 */
const JSON_SCHEMA_SOURCES = {
  "release.schema.json": { schema: ReleaseDefinition, io: "input", id: "release" },
  "profile.schema.json": { schema: ValuesProfile, io: "input", id: "profile" },
  "license-service.schema.json": { schema: LicenseServiceDefinition, io: "input", id: "license-service" },
  "release-manifest.schema.json": { schema: ReleaseManifest, io: "output", id: "release-manifest" },
  "release-lock.schema.json": { schema: ReleaseLock, io: "output", id: "release-lock" },
  "status.schema.json": { schema: ApplianceStatus, io: "output", id: "status" },
  "channel-statement.schema.json": { schema: ChannelStatement, io: "output", id: "channel-statement" },
  "node-runtime-base.schema.json": { schema: NodeRuntimeBaseDefinition, io: "input", id: "node-runtime-base" },
} as const;

export type JsonSchemaFile = keyof typeof JSON_SCHEMA_SOURCES;

/** Renders every JSON Schema file's exact bytes. */
export function renderJsonSchemas(): Record<JsonSchemaFile, string> {
  const out = {} as Record<JsonSchemaFile, string>;
  for (const [file, { schema, io, id }] of Object.entries(JSON_SCHEMA_SOURCES) as [
    JsonSchemaFile,
    (typeof JSON_SCHEMA_SOURCES)[JsonSchemaFile],
  ][]) {
    const json = {
      $id: `https://schemas.nineminds.com/alga-appliance/${id}.schema.json`,
      ...z.toJSONSchema(schema, { io, target: "draft-2020-12" }),
    };
    out[file] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return out;
}
