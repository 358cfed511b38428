import { App, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { KUSTOMIZE_FILE_API_VERSION, type KubernetesObject, type RenderedFile } from "./rendered-file.js";

/**
 * Collects cdk8s charts, one per output file, and turns them into rendered files.
 * A chart can also be split by kind into several files of one directory.
 *
 * Each chart has an App of its own: cdk8s's Chart.toJson() resolves dependencies and validates every
 * construct of the chart's whole App before it renders the one chart, so charts sharing one App
 * made rendering quadratic in their number (~20 charts a release). No object depends on another
 * chart's, so the objects and their order are the same.
 */
export class ChartFiles {
  private readonly entries: { path: string; chart: Chart; splitByKind?: Record<string, string> }[] = [];

  /** A chart whose objects all go to `path`. */
  file(path: string, build: (scope: Construct) => void): void {
    const chart = new Chart(new App(), path.replace(/[^a-zA-Z0-9]+/g, "-"), { disableResourceNameHashes: true });
    build(chart);
    this.entries.push({ path, chart });
  }

  /** A chart whose objects are routed to files by kind (`*` for every other kind). */
  filesByKind(directory: string, files: Record<string, string>, build: (scope: Construct) => void): void {
    const chart = new Chart(new App(), directory.replace(/[^a-zA-Z0-9]+/g, "-"), { disableResourceNameHashes: true });
    build(chart);
    this.entries.push({ path: directory, chart, splitByKind: files });
  }

  /** Rendered files sorted by path; every directory gets a kustomization.yaml listing its files. */
  render(): RenderedFile[] {
    const byPath = new Map<string, KubernetesObject[]>();
    const add = (path: string, object: KubernetesObject) => byPath.set(path, [...(byPath.get(path) ?? []), object]);
    for (const entry of this.entries) {
      for (const object of entry.chart.toJson() as KubernetesObject[]) {
        if (!entry.splitByKind) add(entry.path, object);
        else {
          const file = entry.splitByKind[object.kind] ?? entry.splitByKind["*"];
          if (!file) throw new Error(`no file is given for ${object.kind} objects in ${entry.path}`);
          add(`${entry.path}/${file}`, object);
        }
      }
    }
    return [...byPath.entries()].map(([path, objects]) => ({ path, objects })).sort((a, b) => compare(a.path, b.path));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A kustomize `kustomization.yaml` listing `resources` (relative paths, in the given order). */
export function kustomizeFile(path: string, resources: readonly string[]): RenderedFile {
  return { path, objects: [{ apiVersion: KUSTOMIZE_FILE_API_VERSION, kind: "Kustomization", resources: [...resources] }] };
}

/** Adds a kustomization.yaml to every directory under `root` that has none, listing its own files. */
export function withDirectoryKustomizations(root: string, files: readonly RenderedFile[], exclude: (dir: string) => boolean = () => false): RenderedFile[] {
  const dirs = new Map<string, string[]>();
  for (const file of files) {
    const dir = file.path.slice(0, file.path.lastIndexOf("/"));
    if (!dir.startsWith(root) || exclude(dir)) continue;
    dirs.set(dir, [...(dirs.get(dir) ?? []), file.path.slice(dir.length + 1)]);
  }
  const generated = [...dirs.entries()]
    .filter(([dir]) => !files.some((file) => file.path === `${dir}/kustomization.yaml`))
    .map(([dir, names]) => kustomizeFile(`${dir}/kustomization.yaml`, [...names].sort()));
  return [...files, ...generated].sort((a, b) => compare(a.path, b.path));
}
