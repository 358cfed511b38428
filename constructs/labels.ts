/** Labels every rendered object carries, so an operator can find what the kit manages. */
export function standardLabels(name: string, component?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": "alga-appliance",
    "app.kubernetes.io/managed-by": "appliance-release-kit",
    ...(component ? { "app.kubernetes.io/component": component } : {}),
  };
}
