import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { ApplianceIsoDefinition } from "../../schemas/appliance-iso.js";
import { readYamlDocument } from "../release/read-yaml-document.js";
import { renderAutoinstallSeed } from "./autoinstall-seed.js";
import { renderOverlay } from "./overlay.js";

/** The ISO definition beside the release files: `<releases>/iso/appliance-iso.yaml`. */
function isoDefinitionFile(releaseFile: string): string {
  return join(dirname(releaseFile), "iso", "appliance-iso.yaml");
}

/**
 * A release's ISO inputs, keyed by path relative to `dist/<version>/`: `iso/user-data` (the
 * autoinstall seed), `iso/meta-data` (empty; NoCloud needs the file) and `iso/overlay/…`.
 * Empty when the releases directory has no ISO definition.
 */
export function renderIsoTree(releaseFile: string, version: string, releaseFiles: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const file = isoDefinitionFile(releaseFile);
  if (!existsSync(file)) return new Map();
  const origin = "releases/iso/appliance-iso.yaml";
  const definition = readYamlDocument(file, ApplianceIsoDefinition, "appliance ISO definition");
  const controlPlaneFiles = new Map(
    [...releaseFiles].filter(([path]) => path.startsWith("control-plane/")).map(([path, data]) => [path, data] as const),
  );
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>([
    ["iso/user-data", encoder.encode(renderAutoinstallSeed(definition, origin))],
    ["iso/meta-data", encoder.encode("")],
  ]);
  for (const [path, data] of renderOverlay(definition, { version, controlPlaneFiles }, origin)) files.set(`iso/overlay/${path}`, data);
  return files;
}
