import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { OCIRepositorySpec } from "./flux-api.js";
import { FLUX_CONTENT_MEDIA_TYPE } from "../src/oci/media-types.js";
import { standardLabels } from "./labels.js";
import { APPLIANCE_NAME, FLUX_NAMESPACE } from "../schemas/names.js";

export interface ConfigBundleSourceProps {
  /** `oci://host/namespace/alga-appliance-config`. */
  readonly url: string;
  /** The bundle's manifest digest: the source never follows a tag. */
  readonly digest: string;
  /**
   * Source name; the tiers read from it.
   * @default "alga-appliance"
   */
  readonly name?: string;
  /**
   * @default "flux-system"
   */
  readonly namespace?: string;
  /**
   * Talk plain HTTP to the registry (a local mirror).
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * @default "10m"
   */
  readonly interval?: string;
}

/** The Flux OCIRepository carrying the config bundle, pinned by digest and extracting the content layer. */
export class ConfigBundleSource extends Construct {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: ConfigBundleSourceProps) {
    super(scope, id);
    this.name = props.name ?? APPLIANCE_NAME;
    this.namespace = props.namespace ?? FLUX_NAMESPACE;
    const spec: OCIRepositorySpec = {
      url: props.url,
      interval: props.interval ?? "10m",
      ref: { digest: props.digest },
      layerSelector: { mediaType: FLUX_CONTENT_MEDIA_TYPE, operation: "extract" },
      ...(props.insecure ? { insecure: true } : {}),
    };
    new ApiObject(this, "Resource", {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: { name: this.name, namespace: this.namespace, labels: standardLabels(this.name, "config-source") },
      spec,
    });
  }
}
