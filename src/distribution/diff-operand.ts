import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { parseAllDocuments } from "yaml";
import { ReleaseManifest } from "../../schemas/release-manifest.js";
import { gunzip } from "../bundle/gzip.js";
import { readTar } from "../bundle/tar-reader.js";
import { UserError } from "../errors.js";
import { resolveReleaseFile } from "../release/load-release.js";
import type { KubernetesObject, RenderedFile } from "../policy/rendered-file.js";
import { synthesizeRelease } from "../synth/synth-release.js";
import { resolveRelease } from "./resolve-release.js";
import type { ReleaseStore } from "./release-store.js";

/** One side of a diff: its release manifest and the config bundle's files (paths relative to config/). */
export interface DiffSide {
  /** What the operand named, for the report. */
  readonly label: string;
  readonly manifest: ReleaseManifest;
  readonly files: readonly RenderedFile[];
}

export interface DiffOperandOptions {
  readonly releasesDir: string;
  /** The --registry / --oci-layout target `channel:NAME` operands read from. */
  readonly store?: () => ReleaseStore;
  /** SOURCE_DATE_EPOCH for releases rendered from release files. */
  readonly epoch: number;
}

const CHANNEL_PREFIX = "channel:";
const decoder = new TextDecoder();

function yamlObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .flatMap((document) => (Array.isArray(document) ? [] : [document.toJS() as unknown]))
    .filter((object): object is KubernetesObject => typeof object === "object" && object !== null && typeof (object as KubernetesObject).kind === "string");
}

function sortedFiles(files: RenderedFile[]): RenderedFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A pulled directory (or a dist/<version>/): release-manifest.json and config/. */
function fromDirectory(dir: string, label: string): DiffSide {
  const manifestFile = join(dir, "release-manifest.json");
  if (!existsSync(manifestFile)) throw new UserError(`${label}: ${dir} has no release-manifest.json; name a pulled directory (npm run pull --out DIR) or a dist/<version>/ directory`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestFile, "utf8"));
  } catch (error) {
    throw new UserError(`${manifestFile}: not JSON (${(error as Error).message}); name a pulled directory or a dist/<version>/ directory`);
  }
  const parsed = ReleaseManifest.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(document)"}: ${issue.message}`).join("; ");
    throw new UserError(`${manifestFile}: not a valid release manifest (${fields})`);
  }
  const configDir = join(dir, "config");
  const files = existsSync(configDir)
    ? readdirSync(configDir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".yaml"))
        .map((entry) => {
          const path = join(entry.parentPath, entry.name);
          return { path: relative(configDir, path).split(sep).join("/"), objects: yamlObjects(readFileSync(path, "utf8")) };
        })
    : [];
  return { label, manifest: parsed.data, files: sortedFiles(files) };
}

/** A release file rendered in memory, exactly as synth would (lock applied, policies enforced). */
function fromReleaseFile(file: string, label: string, epoch: number): DiffSide {
  const release = synthesizeRelease(file, epoch);
  const files = [...release.files]
    .filter(([path]) => path.startsWith("config/") && path.endsWith(".yaml"))
    .map(([path, data]) => ({ path: path.slice("config/".length), objects: yamlObjects(decoder.decode(data)) }));
  return { label, manifest: release.releaseManifest, files: sortedFiles(files) };
}

/** A channel on a registry or layout: the release it points at, the bundle verified by digest. */
async function fromChannel(store: ReleaseStore, channel: string, label: string): Promise<DiffSide> {
  await store.check();
  const release = await resolveRelease(store, channel);
  const layer = await store.config.fetchBlob(release.bundleLayer.digest, release.bundleLayer.size);
  const files = readTar(gunzip(layer))
    .filter((entry) => entry.kind === "file" && entry.path.endsWith(".yaml"))
    .map((entry) => ({ path: entry.path.replace(/^\.\//, ""), objects: yamlObjects(decoder.decode(entry.data)) }));
  return { label: `${label} (${release.manifest.version})`, manifest: release.manifest, files: sortedFiles(files) };
}

/**
 * Resolves one operand of `diff`: `channel:NAME` on the target, a pulled directory, a release file
 * (a path), or a version (releases/<version>.yaml).
 */
export async function resolveDiffOperand(operand: string, options: DiffOperandOptions): Promise<DiffSide> {
  if (operand.startsWith(CHANNEL_PREFIX)) {
    const channel = operand.slice(CHANNEL_PREFIX.length);
    if (!options.store) throw new UserError(`${operand}: a channel needs a target; pass --registry HOST[:PORT]/NAMESPACE or --oci-layout DIR`);
    return fromChannel(options.store(), channel, operand);
  }
  const path = resolve(operand);
  if (existsSync(path) && statSync(path).isDirectory()) return fromDirectory(path, operand);
  return fromReleaseFile(resolveReleaseFile(options.releasesDir, operand), operand, options.epoch);
}
