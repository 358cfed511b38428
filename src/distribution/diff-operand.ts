import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { parseAllDocuments } from "yaml";
import { ReleaseManifest } from "../../schemas/release-manifest.js";
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from "../bundle/gunzip.js";
import { DEFAULT_MAX_ENTRIES, extractTarGz } from "../bundle/safe-extract.js";
import { MAX_CONFIG_BYTES } from "../oci/limits.js";
import { UserError } from "../errors.js";
import { resolveReleaseFile } from "../release/release-files.js";
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

/**
 * The YAML files under a directory operand's config/, read within the bounds a pulled bundle is
 * held to (entries, bytes, no links or special files), so a directory cannot make diff read what
 * pull would never have written. Refusals say they are pull's rules.
 */
function boundedYamlFiles(configDir: string, label: string): RenderedFile[] {
  const refuse = (reason: string): never => {
    throw new UserError(`${label}: ${reason}; pull refuses the same in a bundle, so diff does not read it`);
  };
  const files: RenderedFile[] = [];
  let entries = 0;
  let bytes = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const info = lstatSync(path);
      if (++entries > DEFAULT_MAX_ENTRIES) refuse(`${configDir} holds more than ${DEFAULT_MAX_ENTRIES} entries`);
      if (info.isSymbolicLink()) refuse(`${path} is a symbolic link`);
      if (info.isDirectory()) {
        walk(path);
        continue;
      }
      if (!info.isFile()) refuse(`${path} is not a regular file or directory`);
      bytes += info.size;
      if (bytes > DEFAULT_MAX_DECOMPRESSED_BYTES) refuse(`${configDir} holds more than ${DEFAULT_MAX_DECOMPRESSED_BYTES} bytes`);
      if (name.endsWith(".yaml")) files.push({ path: relative(configDir, path).split(sep).join("/"), objects: yamlObjects(readFileSync(path, "utf8")) });
    }
  };
  const top = lstatSync(configDir);
  if (top.isSymbolicLink()) refuse(`${configDir} is a symbolic link`);
  if (top.isDirectory()) walk(configDir);
  return files;
}

/** A pulled directory (or a dist/<version>/): release-manifest.json and config/. */
function fromDirectory(dir: string, label: string): DiffSide {
  const manifestFile = join(dir, "release-manifest.json");
  if (!existsSync(manifestFile)) throw new UserError(`${label}: ${dir} has no release-manifest.json; name a pulled directory (npm run pull --out DIR) or a dist/<version>/ directory`);
  const manifestInfo = lstatSync(manifestFile);
  if (!manifestInfo.isFile()) throw new UserError(`${label}: ${manifestFile} is not a regular file (a link?); pull writes one, so diff does not read it`);
  if (manifestInfo.size > MAX_CONFIG_BYTES) throw new UserError(`${label}: ${manifestFile} is ${manifestInfo.size} bytes, more than the ${MAX_CONFIG_BYTES} a release manifest may have`);
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
  const files = existsSync(configDir) || lstatSync(configDir, { throwIfNoEntry: false }) ? boundedYamlFiles(configDir, label) : [];
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
  // Extracted exactly as pull extracts it (same refusals: traversal, links, devices, entry count,
  // sizes), into a private directory read and removed at once: diff reads what pull would install.
  const scratch = await mkdtemp(join(tmpdir(), "ark-diff-"));
  try {
    try {
      await extractTarGz(layer, join(scratch, "config"));
    } catch (error) {
      throw new UserError(`${label}: the bundle of ${release.manifest.version} is refused by pull's rules, so diff does not read it: ${(error as Error).message}`);
    }
    const files = boundedYamlFiles(join(scratch, "config"), label);
    return { label: `${label} (${release.manifest.version})`, manifest: release.manifest, files: sortedFiles(files) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
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
