/**
 * The parts of Flux's API (v2.8: source v1, kustomize v1, helm v2) the constructs write, typed so
 * that a misspelt field fails the type check. The whole shape is Flux's CRD schema, which synth
 * checks every rendered object against (schemas/upstream/flux/); add a field here when a construct
 * starts writing it.
 */

/** A reference to an object by name, optionally in another namespace. */
interface FluxObjectReference {
  readonly name: string;
  readonly namespace?: string;
}

/** `OCIRepository.spec` (source.toolkit.fluxcd.io/v1). */
export interface OCIRepositorySpec {
  readonly url: string;
  readonly interval: string;
  readonly ref?: { readonly digest?: string; readonly tag?: string; readonly semver?: string };
  readonly layerSelector?: { readonly mediaType?: string; readonly operation?: "extract" | "copy" };
  readonly verify?: { readonly provider: "cosign" | "notation"; readonly secretRef?: { readonly name: string } };
  readonly insecure?: boolean;
  readonly secretRef?: { readonly name: string };
  readonly certSecretRef?: { readonly name: string };
  readonly timeout?: string;
  readonly suspend?: boolean;
}

/** `Kustomization.spec` (kustomize.toolkit.fluxcd.io/v1). */
export interface KustomizationSpec {
  readonly interval: string;
  readonly retryInterval?: string;
  readonly timeout?: string;
  readonly path?: string;
  readonly prune: boolean;
  readonly wait?: boolean;
  readonly dependsOn?: readonly FluxObjectReference[];
  readonly sourceRef: { readonly kind: "OCIRepository" | "GitRepository" | "Bucket" | "ExternalArtifact"; readonly name: string; readonly namespace?: string };
  readonly targetNamespace?: string;
  readonly suspend?: boolean;
}

/** A Kustomize patch of a HelmRelease post-renderer. */
interface FluxKustomizePatch {
  readonly patch: string;
  readonly target?: {
    readonly group?: string;
    readonly version?: string;
    readonly kind?: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly labelSelector?: string;
    readonly annotationSelector?: string;
  };
}

/** One of `HelmRelease.spec.postRenderers` (helm.toolkit.fluxcd.io/v2). */
export interface PostRenderer {
  readonly kustomize?: {
    readonly patches?: readonly FluxKustomizePatch[];
    readonly images?: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string; readonly digest?: string }[];
  };
}

type CrdsPolicy = "Skip" | "Create" | "CreateReplace";

/** `HelmRelease.spec` (helm.toolkit.fluxcd.io/v2). */
export interface HelmReleaseSpec {
  readonly releaseName?: string;
  readonly interval: string;
  readonly timeout?: string;
  readonly chartRef?: { readonly kind: "OCIRepository" | "HelmChart" | "ExternalArtifact"; readonly name: string; readonly namespace?: string };
  readonly install?: { readonly crds?: CrdsPolicy; readonly remediation?: { readonly retries?: number } };
  readonly upgrade?: {
    readonly crds?: CrdsPolicy;
    readonly cleanupOnFail?: boolean;
    readonly remediation?: { readonly retries?: number; readonly remediateLastFailure?: boolean };
  };
  readonly driftDetection?: { readonly mode?: "enabled" | "warn" | "disabled" };
  readonly valuesFrom?: readonly {
    readonly kind: "ConfigMap" | "Secret";
    readonly name: string;
    readonly valuesKey?: string;
    readonly targetPath?: string;
    readonly optional?: boolean;
  }[];
  readonly values?: Record<string, unknown>;
  readonly postRenderers?: readonly PostRenderer[];
  readonly dependsOn?: readonly FluxObjectReference[];
  readonly suspend?: boolean;
}
