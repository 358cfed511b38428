import { ApiResource } from "cdk8s-plus-31";

/** Flux custom resources, for RBAC rules. */
export const FLUX_RESOURCES = {
  gitRepositories: ApiResource.custom({ apiGroup: "source.toolkit.fluxcd.io", resourceType: "gitrepositories" }),
  ociRepositories: ApiResource.custom({ apiGroup: "source.toolkit.fluxcd.io", resourceType: "ocirepositories" }),
  helmRepositories: ApiResource.custom({ apiGroup: "source.toolkit.fluxcd.io", resourceType: "helmrepositories" }),
  helmCharts: ApiResource.custom({ apiGroup: "source.toolkit.fluxcd.io", resourceType: "helmcharts" }),
  kustomizations: ApiResource.custom({ apiGroup: "kustomize.toolkit.fluxcd.io", resourceType: "kustomizations" }),
  helmReleases: ApiResource.custom({ apiGroup: "helm.toolkit.fluxcd.io", resourceType: "helmreleases" }),
} as const;
