import { COMPONENT_NAMES, type ComponentName } from "../../schemas/components.js";
import type { ReleaseDefinition } from "../../schemas/release.js";
import type { ValuesProfile } from "../../schemas/profile.js";
import { ReleaseManifest } from "../../schemas/release-manifest.js";
import type { Descriptor } from "../oci/types.js";

/** Repository names, relative to the namespace a release is published under. */
export const CONFIG_REPOSITORY = "alga-appliance-config";
export const RELEASE_REPOSITORY = "alga-appliance-release";
/** Repository of the signed channel statements (schemas/channel-statement.ts), beside the two above. */
export const CHANNELS_REPOSITORY = "alga-appliance-channels";

/** The release manifest an appliance reads: everything pinned, the bundle by manifest digest. */
export function buildReleaseManifest(
  release: ReleaseDefinition,
  profile: ValuesProfile,
  bundle: { manifest: Descriptor; layer: Descriptor },
): ReleaseManifest {
  const components = Object.fromEntries(
    COMPONENT_NAMES.map((name) => {
      const component = release.components[name];
      return [
        name,
        {
          image: component.image,
          chart: {
            repository: release.chartRepository,
            name: component.chart.name,
            version: component.chart.version,
            ...(component.chart.digest ? { digest: component.chart.digest } : {}),
          },
        },
      ];
    }),
  ) as ReleaseManifest["components"];
  const profileValues = Object.fromEntries(
    COMPONENT_NAMES.filter((name) => profile.values[name] !== undefined).map((name: ComponentName) => [name, profile.values[name]]),
  );
  return ReleaseManifest.parse({
    schemaVersion: 1,
    version: release.version,
    source: release.source,
    controlPlane: { image: release.controlPlane.image },
    configBundle: {
      repository: CONFIG_REPOSITORY,
      tag: release.version,
      mediaType: bundle.manifest.mediaType,
      digest: bundle.manifest.digest,
      size: bundle.manifest.size,
      layerDigest: bundle.layer.digest,
    },
    components,
    profile: { name: profile.name, values: profileValues },
    ...(release.waivers?.length ? { waivers: release.waivers } : {}),
  });
}
