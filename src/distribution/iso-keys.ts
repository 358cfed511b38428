/** Tag on versioned ISOs: the store's lifecycle rule expires only tagged objects, never the current key. */
export const ISO_RETENTION_TAG = { key: "alga-iso-retention", value: "expire" } as const;

/** The key prefix ISOs live under: the first segment of APPLIANCE_ISO_KEY (`appliance/`). */
export function isoPrefix(applianceIsoKey: string): string {
  const slash = applianceIsoKey.indexOf("/");
  return slash > 0 ? applianceIsoKey.slice(0, slash + 1) : "";
}

/** `appliance/<version>/<file name of the current key>`: where one version's ISO stays. */
export function versionedIsoKey(applianceIsoKey: string, version: string): string {
  const name = applianceIsoKey.slice(applianceIsoKey.lastIndexOf("/") + 1);
  return `${isoPrefix(applianceIsoKey) || "appliance/"}${version}/${name}`;
}

/** The checksum file beside an ISO key. */
export function checksumKey(isoKey: string): string {
  return `${isoKey}.sha256`;
}
