/** Tag on versioned ISOs: the store's lifecycle rule expires only tagged objects, never the current key. */
export const ISO_RETENTION_TAG = { key: "alga-iso-retention", value: "expire" } as const;

/** User metadata (x-amz-meta-…) every published ISO object carries, copied along to the current key. */
export const ISO_METADATA = { sha256: "sha256", version: "alga-iso-version" } as const;

/** The key prefix ISOs live under: the first segment of APPLIANCE_ISO_KEY (`appliance/`). */
export function isoPrefix(applianceIsoKey: string): string {
  const slash = applianceIsoKey.indexOf("/");
  return slash > 0 ? applianceIsoKey.slice(0, slash + 1) : "";
}

/**
 * Why APPLIANCE_ISO_KEY cannot be used, or undefined when it can. The key must sit under a prefix
 * (`appliance/…/name.iso`): the read-only and publisher policies, the lifecycle rules and the
 * listing iso-publish settles the current key from all cover `<prefix>*`, and without a prefix
 * that is the whole bucket.
 */
export function isoKeyProblem(applianceIsoKey: string): string | undefined {
  if (isoPrefix(applianceIsoKey) === "") return `"${applianceIsoKey}" is not under a prefix; the ISO policies would cover the whole bucket: use e.g. appliance/current/alga-appliance.iso`;
  if (applianceIsoKey.endsWith("/")) return `"${applianceIsoKey}" names a folder, not an object: end it with the ISO's file name, e.g. appliance/current/alga-appliance.iso`;
  if (/[*?$]/.test(applianceIsoKey)) return `"${applianceIsoKey}" holds a policy wildcard or variable (*, ?, $): use plain characters, e.g. appliance/current/alga-appliance.iso`;
  return undefined;
}

/** The file name of the current key, which every versioned key repeats. */
export function isoFileName(applianceIsoKey: string): string {
  return applianceIsoKey.slice(applianceIsoKey.lastIndexOf("/") + 1);
}

/** `appliance/<version>/<file name of the current key>`: where one version's ISO stays. */
export function versionedIsoKey(applianceIsoKey: string, version: string): string {
  return `${isoPrefix(applianceIsoKey) || "appliance/"}${version}/${isoFileName(applianceIsoKey)}`;
}

/** The checksum file beside an ISO key. */
export function checksumKey(isoKey: string): string {
  return `${isoKey}.sha256`;
}

/** The marker `--rollback` writes beside a versioned ISO it withdraws: that version never becomes current again. */
export function withdrawnKey(isoKey: string): string {
  return `${isoKey}.withdrawn`;
}

/** The small object iso-publish writes (under the prefix, where it may write) to learn whether the store honours conditional writes. */
export function conditionalWriteProbeKey(applianceIsoKey: string): string {
  return `${isoPrefix(applianceIsoKey)}.iso-publish-probe`;
}
