import { join } from "node:path";
import { loadRelease } from "../../src/release/load-release.js";
import { composeRelease } from "../../src/synth/compose-release.js";
import type { KubernetesObject, RenderedFile } from "../../src/synth/rendered-file.js";

export const RELEASES_DIR = join(import.meta.dirname, "..", "..", "releases");

/** The rendered files of a checked-in release. */
export function renderedRelease(version: string): RenderedFile[] {
  const { definition, profile } = loadRelease(join(RELEASES_DIR, `${version}.yaml`));
  return composeRelease(definition, profile);
}

export function allObjects(files: readonly RenderedFile[]): KubernetesObject[] {
  return files.flatMap((file) => file.objects);
}

/** The one object of `kind` named `name`; throws when absent, so a test can never pass on nothing. */
export function findObject(files: readonly RenderedFile[], kind: string, name: string): KubernetesObject & { spec: any; rules?: any[] } {
  const matches = allObjects(files).filter((object) => object.kind === kind && object.metadata?.name === name);
  if (matches.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${matches.length}`);
  return matches[0] as KubernetesObject & { spec: any };
}

export function fileOf(files: readonly RenderedFile[], path: string): RenderedFile {
  const file = files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`no rendered file ${path}; have ${files.map((f) => f.path).join(", ")}`);
  return file;
}
