import { ApiResource, ClusterRole, ClusterRoleBinding, type IServiceAccount } from "cdk8s-plus-31";
import { Construct } from "constructs";
import { FLUX_RESOURCES } from "./api-resources.js";
import { standardLabels } from "./labels.js";

export interface StatusReaderRoleProps {
  /** ClusterRole name. */
  readonly name: string;
}

/**
 * Cluster-wide read-only access to what appliance status reporting looks at: nodes, pods, PVCs,
 * events, ConfigMaps, jobs, deployments, statefulsets, the Flux objects, and Services with their
 * EndpointSlices (login is ready only when the app's Service has a ready endpoint; ready replicas
 * alone miss a selector that matches nothing or pods that are terminating).
 * No Secrets and no mutation verbs: a status page must never be a way to read credentials.
 */
export class StatusReaderRole extends Construct {
  readonly role: ClusterRole;

  constructor(scope: Construct, id: string, props: StatusReaderRoleProps) {
    super(scope, id);
    this.role = new ClusterRole(this, "Role", { metadata: { name: props.name, labels: standardLabels(props.name, "rbac") } });
    this.role.allowRead(
      ApiResource.NODES,
      ApiResource.PODS,
      ApiResource.PERSISTENT_VOLUME_CLAIMS,
      ApiResource.EVENTS,
      ApiResource.CONFIG_MAPS,
      ApiResource.JOBS,
      ApiResource.DEPLOYMENTS,
      ApiResource.STATEFUL_SETS,
      ...Object.values(FLUX_RESOURCES),
    );
    // Services and EndpointSlices are only ever listed cluster-wide (never fetched one by one), so
    // list and watch are all the status needs. No fallback to core/v1 Endpoints: EndpointSlice is
    // GA since Kubernetes 1.21 (the appliance runs k3s 1.31) and Endpoints is deprecated since 1.33.
    this.role.allow(["list", "watch"], ApiResource.SERVICES, ApiResource.ENDPOINT_SLICES);
  }

  /** Grants the read-only access to a service account. */
  grantTo(serviceAccount: IServiceAccount, bindingName: string): ClusterRoleBinding {
    const binding = new ClusterRoleBinding(this, `Binding-${bindingName}`, {
      metadata: { name: bindingName, labels: standardLabels(bindingName, "rbac") },
      role: this.role,
    });
    binding.addSubjects(serviceAccount);
    return binding;
  }
}
