/**
 * The Node.js runtime base the kit assembles from a committed definition (releases/base/*.yaml):
 * loads and validates the file, builds the base (src/image/node-runtime-base.ts) and offers it as a
 * read-only content repository, so an image built on it (the status image) reads the base's
 * manifests and copies its layers exactly as it would from a registry, with no registry.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { KIT_NAME } from "../../schemas/names.js";
import { NodeRuntimeBaseDefinition } from "../../schemas/node-runtime-base.js";
import { buildRuntimeBase, type RuntimeBaseImage } from "../image/node-runtime-base.js";
import type { Platform } from "../image/platform.js";
import type { Blob } from "../oci/build-artifact.js";
import { NotFoundError } from "../oci/not-found-error.js";
import type { ContentRepository, Descriptor, FetchedManifest } from "../oci/types.js";
import { readYamlDocument } from "../release/read-yaml-document.js";

export interface ResolvedBase {
  readonly file: string;
  readonly definition: NodeRuntimeBaseDefinition;
  readonly image: RuntimeBaseImage;
  /** `<name>:<tag>@<index digest>`: what names this base in an image's annotations and a release. */
  readonly reference: string;
  readonly digest: string;
  /** The built base, readable by digest or by its tag; writes are refused. */
  readonly repository: ContentRepository;
}

export interface ResolveBaseOptions {
  readonly platforms?: readonly Platform[];
  /** Default: $ARK_CACHE_DIR, else ~/.cache/appliance-release-kit. */
  readonly cacheDir?: string;
  readonly progress?: (message: string) => void;
}

/** The cache the kit keeps its downloads in: $ARK_CACHE_DIR, else ($XDG_CACHE_HOME or ~/.cache)/appliance-release-kit. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["ARK_CACHE_DIR"]) return env["ARK_CACHE_DIR"];
  return join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), KIT_NAME);
}

/** Reads a base definition file; a bad file is refused naming the file and the field. */
export function loadBaseDefinition(file: string): NodeRuntimeBaseDefinition {
  return readYamlDocument(file, NodeRuntimeBaseDefinition, "Node.js runtime base definition");
}

/**
 * Builds the base a definition file describes (inputs fetched once, verified, cached) for the
 * wanted platforms. Same file and platforms: same digests, on any machine.
 */
export async function resolveBase(definitionFile: string, options: ResolveBaseOptions = {}): Promise<ResolvedBase> {
  const definition = loadBaseDefinition(definitionFile);
  const image = await buildRuntimeBase(definition, {
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    ...(options.platforms ? { platforms: options.platforms } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const digest = image.index.descriptor.digest;
  return {
    file: definitionFile,
    definition,
    image,
    reference: `${definition.name}:${definition.tag}@${digest}`,
    digest,
    repository: builtBaseRepository(`${definition.name} (built from ${definitionFile})`, definition.tag, image),
  };
}

function builtBaseRepository(location: string, tag: string, image: RuntimeBaseImage): ContentRepository {
  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, Blob>();
  for (const platform of image.platforms) {
    for (const blob of [...platform.layers, platform.config]) blobs.set(blob.descriptor.digest, blob);
    manifests.set(platform.manifest.descriptor.digest, platform.manifest);
  }
  manifests.set(image.index.descriptor.digest, image.index);
  const manifestAt = (reference: string) => (reference === tag ? image.index : manifests.get(reference));
  const refuse = (): never => {
    throw new Error(`${location} is a built base: it is read, never written`);
  };
  return {
    location,
    hasBlob: async (digest) => blobs.has(digest),
    fetchBlob: async (digest) => {
      const blob = blobs.get(digest);
      if (!blob) throw new NotFoundError("blob", digest, location);
      return blob.data;
    },
    resolve: async (reference): Promise<Descriptor | undefined> => manifestAt(reference)?.descriptor,
    fetchManifest: async (reference): Promise<FetchedManifest> => {
      const manifest = manifestAt(reference);
      if (!manifest) throw new NotFoundError("manifest", reference, location);
      return { descriptor: manifest.descriptor, bytes: manifest.data };
    },
    pushBlob: async () => refuse(),
    pushManifest: async () => refuse(),
    listTags: async () => [tag],
  };
}
