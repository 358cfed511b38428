import type { KubernetesObject, RenderedFile } from "./rendered-file.js";

/** A rule broken by a rendered object: where, which field, and what to do. */
export interface PolicyViolation {
  readonly file: string;
  readonly object: string;
  readonly field: string;
  readonly message: string;
}

/** What a check may know besides the rendered objects. */
export interface PolicyContext {
  /** The release has a lock file: every image and chart must then be pinned by digest. */
  readonly locked: boolean;
}

export const DEFAULT_POLICY_CONTEXT: PolicyContext = { locked: false };

/** A check over the whole rendered output. */
export type Policy = (files: readonly RenderedFile[], context: PolicyContext) => PolicyViolation[];

/** Every object with the file that holds it. */
export function* objectsOf(files: readonly RenderedFile[]): Generator<{ file: RenderedFile; object: KubernetesObject }> {
  for (const file of files) for (const object of file.objects) yield { file, object };
}
