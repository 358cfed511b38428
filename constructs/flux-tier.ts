import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { KustomizationSpec } from "./flux-api.js";
import { standardLabels } from "./labels.js";
import { FLUX_NAMESPACE } from "../schemas/names.js";

/** The Flux source a tier reads its manifests from. */
export interface FluxSourceReference {
  readonly kind: "OCIRepository" | "GitRepository" | "Bucket";
  readonly name: string;
  readonly namespace?: string;
}

export interface FluxTierProps {
  /** Kustomization name, e.g. `alga-core`. */
  readonly name: string;
  /** Path of the tier's directory inside the source, e.g. `./core`. */
  readonly path: string;
  /** The source carrying the config bundle. */
  readonly source: FluxSourceReference;
  /**
   * Tiers that must be ready before this one is applied.
   * @default - none: the tier is applied as soon as its source is ready
   */
  readonly dependsOn?: readonly FluxTier[];
  /**
   * Namespace of the Kustomization object.
   * @default "flux-system"
   */
  readonly namespace?: string;
  /**
   * How often Flux re-applies the tier to undo drift.
   * @default "10m"
   */
  readonly interval?: string;
  /**
   * How long to wait for the tier's objects to become ready.
   * Core installs pull a ~1.8 GB image on first boot, so the default is generous.
   * @default "30m"
   */
  readonly timeout?: string;
  /**
   * Retry interval after a failed apply.
   * @default "2m"
   */
  readonly retryInterval?: string;
  /**
   * Delete objects that a newer release no longer renders.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Report ready only when every applied object is ready (HelmReleases included).
   * @default true
   */
  readonly wait?: boolean;
}

/**
 * One readiness tier of the appliance: a Flux Kustomization applying one directory of the
 * config bundle, after the tiers it depends on.
 */
export class FluxTier extends Construct {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: FluxTierProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace ?? FLUX_NAMESPACE;
    const spec: KustomizationSpec = {
      ...(props.dependsOn?.length
        ? { dependsOn: props.dependsOn.map((tier) => ({ name: tier.name, namespace: tier.namespace })) }
        : {}),
      interval: props.interval ?? "10m",
      retryInterval: props.retryInterval ?? "2m",
      timeout: props.timeout ?? "30m",
      path: props.path,
      prune: props.prune ?? true,
      wait: props.wait ?? true,
      sourceRef: { kind: props.source.kind, name: props.source.name, ...(props.source.namespace ? { namespace: props.source.namespace } : {}) },
    };
    new ApiObject(this, "Resource", {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: props.name, namespace: this.namespace, labels: standardLabels(props.name, "tier") },
      spec,
    });
  }
}
