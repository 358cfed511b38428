import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { OCIRepositorySpec } from "./flux-api.js";
import { HELM_CHART_CONTENT_MEDIA_TYPE } from "../src/oci/media-types.js";
import { standardLabels } from "./labels.js";

export interface OciChartSourceProps {
  /** Source name (the HelmRelease refers to it through `chartRef`). */
  readonly name: string;
  readonly namespace: string;
  /** Chart repository, e.g. `oci://ghcr.io/nine-minds/charts`. */
  readonly repository: string;
  /** Chart name inside the repository. */
  readonly chart: string;
  /** Chart version; the OCI tag. */
  readonly version: string;
  /**
   * Chart manifest digest. When set, Flux pulls exactly this digest and ignores the tag.
   * @default - the chart is pulled by its version tag
   */
  readonly digest?: string;
  /**
   * How often Flux checks the source.
   * @default "1h" - a pinned chart never changes; the interval only matters for tag-only pins
   */
  readonly interval?: string;
  /**
   * Verify the chart's cosign signature on every reconcile (Flux `spec.verify`), with the public
   * keys (entries ending in `.pub`) of this Secret in the source's namespace.
   * @default - no verification: Flux accepts the chart the digest or tag names
   */
  readonly verify?: OciChartVerification;
  /**
   * Talk plain HTTP to the chart repository: an offline appliance's local registry, which serves
   * HTTP on a ClusterIP inside the cluster (see LocalRegistry).
   * @default false
   */
  readonly insecure?: boolean;
}

/** How Flux verifies a chart: classic cosign signatures by the keys in a Secret. */
export interface OciChartVerification {
  readonly provider: "cosign";
  /** Secret (in the chart source's namespace) holding the public key(s) under names ending in `.pub`. */
  readonly secretName: string;
}

/** A Helm chart stored in an OCI registry, as a Flux `OCIRepository` pinned by digest when known. */
export class OciChartSource extends Construct {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: OciChartSourceProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    const spec: OCIRepositorySpec = {
      url: `${props.repository}/${props.chart}`,
      interval: props.interval ?? "1h",
      ref: props.digest ? { digest: props.digest } : { tag: props.version },
      layerSelector: { mediaType: HELM_CHART_CONTENT_MEDIA_TYPE, operation: "copy" },
      ...(props.verify ? { verify: { provider: props.verify.provider, secretRef: { name: props.verify.secretName } } } : {}),
      ...(props.insecure ? { insecure: true } : {}),
    };
    new ApiObject(this, "Resource", {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: standardLabels(props.name, "chart-source"),
        annotations: { "alga.nineminds.com/chart-version": props.version },
      },
      spec,
    });
  }
}
