import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { standardLabels } from "./labels.js";

/** Kubernetes Pod Security Standard levels, weakest first. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface ApplianceNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * Keep the namespace when Flux prunes: set for namespaces the cluster owns by itself
   * (such as `flux-system`), whose deletion would take Flux down with it.
   * @default false - Flux may prune the namespace when a later release drops it
   */
  readonly protectFromPrune?: boolean;
  /**
   * Pod Security level the API server enforces in the namespace. Whatever is enforced, pods below
   * the restricted level are always reported (`warn` and `audit` are `restricted`).
   * @default "restricted"
   */
  readonly podSecurity?: PodSecurityLevel;
}

/** A namespace of the appliance. */
export class ApplianceNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: ApplianceNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    new ApiObject(this, "Resource", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: props.name,
        labels: {
          ...standardLabels(props.name, "namespace"),
          "pod-security.kubernetes.io/enforce": props.podSecurity ?? "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
        ...(props.protectFromPrune ? { annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } } : {}),
      },
    });
  }
}
