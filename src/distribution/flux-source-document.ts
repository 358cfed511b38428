/**
 * The two Flux objects a pull writes to `flux/source.yaml`: the bundle's OCIRepository pinned by
 * digest and the root Kustomization applying it. Plain objects written by synth's YAML writer
 * (src/bundle/plain-yaml.ts), so the appliance side loads no cdk8s, constructs or model validators
 * (issue 7, point 13). synth renders the same objects from the ConfigBundleSource and FluxTier
 * constructs; a test keeps the two equal.
 */
import { APPLIANCE_NAME, FLUX_NAMESPACE, KIT_NAME } from "../../schemas/names.js";
import { stringifyPlainYaml } from "../bundle/plain-yaml.js";
import { FLUX_CONTENT_MEDIA_TYPE } from "../oci/media-types.js";
import type { KubernetesObject } from "../policy/rendered-file.js";

export interface FluxSourceInput {
  /** `oci://host/namespace/alga-appliance-config` */
  readonly url: string;
  /** The config bundle's manifest digest. */
  readonly digest: string;
  /** Plain-HTTP registry. */
  readonly insecure: boolean;
}


function labels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": APPLIANCE_NAME,
    "app.kubernetes.io/part-of": APPLIANCE_NAME,
    "app.kubernetes.io/managed-by": KIT_NAME,
    "app.kubernetes.io/component": component,
  };
}

export function fluxSourceObjects(input: FluxSourceInput): KubernetesObject[] {
  return [
    {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: { name: APPLIANCE_NAME, namespace: FLUX_NAMESPACE, labels: labels("config-source") },
      spec: {
        url: input.url,
        interval: "10m",
        ref: { digest: input.digest },
        layerSelector: { mediaType: FLUX_CONTENT_MEDIA_TYPE, operation: "extract" },
        ...(input.insecure ? { insecure: true } : {}),
      },
    },
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: APPLIANCE_NAME, namespace: FLUX_NAMESPACE, labels: labels("tier") },
      spec: {
        interval: "10m",
        retryInterval: "2m",
        // The root only creates namespaces and the tier Kustomizations; each tier reports its own readiness.
        timeout: "5m",
        path: "./",
        prune: true,
        wait: false,
        sourceRef: { kind: "OCIRepository", name: APPLIANCE_NAME, namespace: FLUX_NAMESPACE },
      },
    },
  ];
}

/** YAML text of `flux/source.yaml`: `header`, then one document per object, keys sorted as synth writes them. */
export function fluxSourceYaml(objects: readonly KubernetesObject[], header: string): string {
  return `${header}\n${objects.map((object) => stringifyPlainYaml(sortedKeys(object))).join("---\n")}`;
}

/** `value` with the keys of every mapping in code-unit order, as synth's objects come out of cdk8s. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, entry]) => [key, sortedKeys(entry)]));
}
