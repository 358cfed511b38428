import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { CREDENTIAL_ENV, secretMaterial } from "../policy/secret-material.js";
import { describeObject, isKustomizeFile, type KubernetesObject } from "../policy/rendered-file.js";
import type { DiffSide } from "./diff-operand.js";

/** One changed field: its path and both values (secret-looking values masked). Absent = not there. */
export interface FieldChange {
  readonly path: string;
  readonly a?: unknown;
  readonly b?: unknown;
}

export interface ObjectRef {
  readonly object: string;
  readonly file: string;
}

export interface ObjectChange extends ObjectRef {
  readonly fields: readonly FieldChange[];
}

export interface ReleaseDiff {
  readonly a: string;
  readonly b: string;
  readonly equal: boolean;
  /** Release-level: versions, images, charts, control plane, profile values, digests, waivers. */
  readonly release: readonly FieldChange[];
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectChange[];
}

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A secret-looking string replaced by a marker that still shows its length. */
function masked(key: string, value: Json, parent: Json): Json {
  if (typeof value !== "string") return value;
  const envCredential = key === "value" && isPlainObject(parent) && typeof parent["name"] === "string" && CREDENTIAL_ENV.test(parent["name"]);
  return envCredential || secretMaterial(key, value) !== undefined ? `(masked, ${value.length} characters)` : value;
}

function join(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
}

/** Every leaf that differs between `a` and `b`, by field path. */
function diffValues(a: Json, b: Json, path = "", key = "", parentA: Json = undefined, parentB: Json = undefined): FieldChange[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((child) => diffValues(a[child], b[child], join(path, child), child, a, b));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => diffValues(a[i], b[i], join(path, i), key, a[i], b[i])).flat();
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [
    {
      path: path === "" ? "(root)" : path,
      ...(a !== undefined ? { a: masked(key, a, parentA) } : {}),
      ...(b !== undefined ? { b: masked(key, b, parentB) } : {}),
    },
  ];
}

/** The release-level view: what a reviewer asks first. */
function summary(manifest: ReleaseManifest): Record<string, Json> {
  return {
    version: manifest.version,
    source: manifest.source,
    controlPlane: manifest.controlPlane,
    configBundle: { digest: manifest.configBundle.digest, layerDigest: manifest.configBundle.layerDigest },
    images: Object.fromEntries(Object.entries(manifest.components).map(([name, component]) => [name, component.image])),
    charts: Object.fromEntries(
      Object.entries(manifest.components).map(([name, { chart }]) => [name, `${chart.repository}/${chart.name}:${chart.version}${chart.digest ? `@${chart.digest}` : ""}`]),
    ),
    profile: manifest.profile,
    waivers: (manifest.waivers ?? []).map((waiver) => `${waiver.policy} ${waiver.object}${waiver.fields ? ` ${waiver.fields.join(", ")}` : ""}: ${waiver.reason}`),
  };
}

function identify(file: string, object: KubernetesObject): string {
  // A directory's kustomization.yaml has no name; its path is its identity.
  return isKustomizeFile(object) ? `kustomization.yaml in ${file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "(root)"}` : `${describeObject(object)} (${object.apiVersion})`;
}

function index(side: DiffSide): Map<string, { file: string; object: KubernetesObject }> {
  const out = new Map<string, { file: string; object: KubernetesObject }>();
  for (const file of side.files) for (const object of file.objects) out.set(identify(file.path, object), { file: file.path, object });
  return out;
}

/** Compares two releases: the release-level summary, then the bundle's objects field by field. */
export function diffReleases(a: DiffSide, b: DiffSide): ReleaseDiff {
  const release = diffValues(summary(a.manifest), summary(b.manifest));
  const objectsA = index(a);
  const objectsB = index(b);
  const added: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  const changed: ObjectChange[] = [];
  for (const id of [...new Set([...objectsA.keys(), ...objectsB.keys()])].sort()) {
    const left = objectsA.get(id);
    const right = objectsB.get(id);
    if (!left) added.push({ object: id, file: right!.file });
    else if (!right) removed.push({ object: id, file: left.file });
    else {
      const fields = diffValues(left.object, right.object);
      const moved = left.file !== right.file ? [{ path: "(file)", a: left.file, b: right.file }] : [];
      if (fields.length + moved.length > 0) changed.push({ object: id, file: right.file, fields: [...moved, ...fields] });
    }
  }
  const equal = release.length === 0 && added.length === 0 && removed.length === 0 && changed.length === 0;
  return { a: a.label, b: b.label, equal, release, added, removed, changed };
}
