/** A Kubernetes object as plain JSON. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One YAML file of the rendered output and the objects it holds, in order. */
export interface RenderedFile {
  /** Path relative to the release's output directory, with `/` separators. */
  readonly path: string;
  readonly objects: readonly KubernetesObject[];
}

/** `Kind namespace/name` for messages. */
export function describeObject(object: KubernetesObject): string {
  const name = object.metadata?.name ?? "(unnamed)";
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** The kustomize file that lists a directory's resources (not a cluster object). */
export const KUSTOMIZE_FILE_API_VERSION = "kustomize.config.k8s.io/v1beta1";

export function isKustomizeFile(object: KubernetesObject): boolean {
  return object.apiVersion === KUSTOMIZE_FILE_API_VERSION && object.kind === "Kustomization";
}
