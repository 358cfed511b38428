import { parseImageReference } from "../../schemas/common.js";
import { COMPONENT_NAMES } from "../../schemas/components.js";
import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { UserError } from "../errors.js";

/**
 * The references a published release manifest records without a digest: component images and
 * charts, and the control-plane image. Read from the manifest alone, so promote stays light (it
 * loads no renderer); publish checks the rendered pod templates as well.
 */
function unpinnedInManifest(manifest: ReleaseManifest): string[] {
  const unpinned: string[] = [];
  for (const name of COMPONENT_NAMES) {
    const component = manifest.components[name];
    if (!parseImageReference(component.image)?.digest) unpinned.push(`${name}: ${component.image}`);
    if (!component.chart.digest) unpinned.push(`${name}: chart ${component.chart.repository}/${component.chart.name}:${component.chart.version}`);
  }
  if (!parseImageReference(manifest.controlPlane.image)?.digest) unpinned.push(`control-plane: ${manifest.controlPlane.image}`);
  return unpinned;
}

/** Refuses to point `channel` at a release that is not pinned by digest (what appliances follow must not move under them). */
export function assertPinnedForChannel(manifest: ReleaseManifest, channel: string): void {
  const unpinned = unpinnedInManifest(manifest);
  if (unpinned.length === 0) return;
  throw new UserError(
    `release ${manifest.version} is not pinned by digest, so the channel ${channel} cannot point at it:\n` +
      unpinned.map((line) => `  ${line}`).join("\n") +
      `\nLock it (npm run lock -- --release ${manifest.version}), synth and publish it again under a new version, or pass --allow-unpinned.`,
  );
}
