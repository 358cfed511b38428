import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { HelmReleaseSpec, PostRenderer } from "./flux-api.js";
import { standardLabels } from "./labels.js";
import type { OciChartSource } from "./oci-chart-source.js";
import { SITE_VALUES_KEY, siteValuesConfigMapName } from "./site-values.js";

export interface SiteValuesOptions {
  /**
   * ConfigMap the control plane writes at setup.
   * @default `<release name>-site-values`
   */
  readonly configMapName?: string;
  /**
   * Install even when the control plane has not written the ConfigMap.
   * @default false - the release waits for its site values
   */
  readonly optional?: boolean;
}

export interface ApplianceHelmReleaseProps {
  readonly name: string;
  readonly namespace: string;
  /** The chart, as an OCIRepository in the same namespace. */
  readonly chart: OciChartSource;
  /**
   * Values known at release time (images, profile values); baked into the bundle.
   * @default {}
   */
  readonly values?: Record<string, unknown>;
  /**
   * Where the site-specific values come from.
   * @default - required ConfigMap `<name>-site-values`, key `values.yaml`
   */
  readonly siteValues?: SiteValuesOptions;
  /**
   * Post-renderers applied to the chart output (e.g. hardening patches).
   * @default - none
   */
  readonly postRenderers?: readonly PostRenderer[];
  /**
   * Reconcile interval.
   * @default "10m"
   */
  readonly interval?: string;
  /**
   * Timeout for Helm install/upgrade, hooks and readiness.
   * @default "15m"
   */
  readonly timeout?: string;
  /**
   * Retries after a failed install or upgrade before Flux gives up.
   * @default 3
   */
  readonly retries?: number;
}

/**
 * A Flux HelmRelease of an appliance component: chart by `chartRef`, release-time values baked in,
 * site values from the ConfigMap the control plane writes, remediation on failure.
 */
export class ApplianceHelmRelease extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** ConfigMap the control plane must write for this release. */
  readonly siteValuesConfigMap: string;

  constructor(scope: Construct, id: string, props: ApplianceHelmReleaseProps) {
    super(scope, id);
    if (props.chart.namespace !== props.namespace) {
      throw new Error(`HelmRelease ${props.name}: its chart source must live in namespace ${props.namespace}`);
    }
    this.name = props.name;
    this.namespace = props.namespace;
    this.siteValuesConfigMap = props.siteValues?.configMapName ?? siteValuesConfigMapName(props.name);
    const retries = props.retries ?? 3;
    const spec: HelmReleaseSpec = {
      releaseName: props.name,
      interval: props.interval ?? "10m",
      timeout: props.timeout ?? "15m",
      chartRef: { kind: "OCIRepository", name: props.chart.name, namespace: props.chart.namespace },
      install: { crds: "CreateReplace", remediation: { retries } },
      upgrade: { crds: "CreateReplace", cleanupOnFail: true, remediation: { retries, remediateLastFailure: true } },
      driftDetection: { mode: "enabled" },
      valuesFrom: [
        {
          kind: "ConfigMap",
          name: this.siteValuesConfigMap,
          valuesKey: SITE_VALUES_KEY,
          ...(props.siteValues?.optional ? { optional: true } : {}),
        },
      ],
      ...(props.values && Object.keys(props.values).length > 0 ? { values: props.values } : {}),
      ...(props.postRenderers?.length ? { postRenderers: [...props.postRenderers] } : {}),
    };
    new ApiObject(this, "Resource", {
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name: props.name, namespace: props.namespace, labels: standardLabels(props.name, "helm-release") },
      spec,
    });
  }
}
