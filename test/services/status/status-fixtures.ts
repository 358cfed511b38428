import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseClusterSnapshot, type ClusterSnapshot } from "../../../src/services/status/cluster-snapshot.js";
import { FIXTURE_NOW } from "./cluster-fixture.js";

export const FIXTURE_DIR = join(import.meta.dirname, "fixtures");
export const NOW = Date.parse(FIXTURE_NOW);

export function fixturePath(name: string): string {
  return join(FIXTURE_DIR, `${name}.json`);
}

export function loadFixture(name: string): ClusterSnapshot {
  return parseClusterSnapshot(readFileSync(fixturePath(name), "utf8"), fixturePath(name));
}

/** The checked-in JSON Schema, compiled as an appliance-side consumer would. */
export function statusSchemaValidator() {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "schemas", "status.schema.json"), "utf8"));
  return new Ajv2020({ allErrors: true, strict: false }).compile(schema);
}
