import { imageParts } from "../../schemas/common.js";

type Values = Record<string, unknown>;

function isPlainObject(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge as Helm merges values: objects merge key by key, everything else is replaced by `override`. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/** Helm values that point a chart's image at `reference`, nested under `path`. */
export function imageValues(reference: string, path: readonly string[]): Values {
  const parts = imageParts(reference);
  let node: Values = {
    repository: `${parts.registry}/${parts.repository}`,
    // Charts build `repository:tag`; a digest rides on the tag so the pull is pinned.
    tag: parts.digest ? `${parts.tag}@${parts.digest}` : parts.tag,
    pullPolicy: "IfNotPresent",
  };
  for (const key of [...path].reverse()) node = { [key]: node };
  return node;
}
