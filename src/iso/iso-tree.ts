import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { ApplianceIsoDefinition } from "../../schemas/appliance-iso.js";
import { readYamlDocument } from "../release/read-yaml-document.js";
import { renderAutoinstallSeed } from "./autoinstall-seed.js";
import { renderOverlay, type OfflineOverlay } from "./overlay.js";

/** The ISO definition beside the release files: `<releases>/iso/appliance-iso.yaml`. */
function isoDefinitionFile(releaseFile: string): string {
  return join(dirname(releaseFile), "iso", "appliance-iso.yaml");
}

/** What an offline release (issue 18) adds to its ISO: see OfflineOverlay in overlay.ts. */
export type { OfflineOverlay as OfflineIso } from "./overlay.js";

/**
 * A release's ISO inputs, keyed by path relative to `dist/<version>/`: `iso/user-data` (the
 * autoinstall seed), `iso/meta-data` (empty; NoCloud needs the file) and `iso/overlay/…`.
 * Empty when the releases directory has no ISO definition.
 */
export function renderIsoTree(releaseFile: string, version: string, releaseFiles: ReadonlyMap<string, Uint8Array>, offline?: OfflineOverlay): Map<string, Uint8Array> {
  const file = isoDefinitionFile(releaseFile);
  if (!existsSync(file)) return new Map();
  const origin = "releases/iso/appliance-iso.yaml";
  const definition = readYamlDocument(file, ApplianceIsoDefinition, "appliance ISO definition");
  // What the host applies: the control plane (and, offline, the local registry), and an offline release's Flux source.
  const controlPlaneFiles = new Map(
    [...releaseFiles].filter(([path]) => path.startsWith("control-plane/") || path.startsWith("flux/")).map(([path, data]) => [path, data] as const),
  );
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>([
    ["iso/user-data", encoder.encode(renderAutoinstallSeed(definition, origin, offline ? { storageDirectory: offline.storageDirectory } : undefined))],
    ["iso/meta-data", encoder.encode("")],
  ]);
  for (const [path, data] of renderOverlay(definition, { version, controlPlaneFiles, ...(offline ? { offline } : {}) }, origin)) files.set(`iso/overlay/${path}`, data);
  return files;
}
