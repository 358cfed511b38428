import { APPLIANCE_NAME, KIT_NAME } from "../schemas/names.js";

/** Labels every rendered object carries, so an operator can find what the kit manages. */
export function standardLabels(name: string, component?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": APPLIANCE_NAME,
    "app.kubernetes.io/managed-by": KIT_NAME,
    ...(component ? { "app.kubernetes.io/component": component } : {}),
  };
}
