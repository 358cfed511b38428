/**
 * Site-specific Helm values (hostname, DNS, tenant) are not known at release time: the control
 * plane writes them at setup into one ConfigMap per HelmRelease, in the release's namespace.
 */
export const SITE_VALUES_KEY = "values.yaml";

/** Name of the ConfigMap the control plane writes a HelmRelease's site values into. */
export function siteValuesConfigMapName(releaseName: string): string {
  return `${releaseName}-site-values`;
}
