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
import { UserError } from "../errors.js";
import { buildRuntimeBase, writeRuntimeBase, type RuntimeBaseImage } from "../image/node-runtime-base.js";
import type { Platform } from "../image/platform.js";
import type { Blob } from "../oci/build-artifact.js";
import type { Deadline } from "../oci/deadline.js";
import { openLayoutRepository } from "../oci/layout.js";
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

/** Where built bases are kept between builds: an OCI image layout per base name. */
const BUILT_BASES_DIR = "bases";

/**
 * The base a release pins (statusService.build.base) as assembled from its definition
 * (statusService.build.baseDefinition), ready to build an image on. Assembling takes most of a
 * minute of CPU (120 MB per platform, compressed bit for bit), so the result is kept in the kit's
 * cache as an OCI image layout (<cache>/bases/<name>): a later build finds it by the pinned digest
 * (the layout's tag must name exactly that digest, and every manifest and blob read from it is
 * checked against its digest). A definition that assembles another digest than the release pins is
 * refused, naming both, and nothing is kept.
 */
export async function pinnedRuntimeBase(
  definitionFile: string,
  pinned: { readonly digest: string; readonly field: string },
  options: ResolveBaseOptions & { readonly deadline?: Deadline } = {},
): Promise<ContentRepository> {
  const definition = loadBaseDefinition(definitionFile);
  const kept = openLayoutRepository(join(options.cacheDir ?? defaultCacheDir(), BUILT_BASES_DIR), definition.name, options.deadline ? { deadline: options.deadline } : {});
  if ((await kept.resolve(definition.tag))?.digest === pinned.digest) return kept;
  options.progress?.(`assembling the base ${definition.name}:${definition.tag} from ${definitionFile} (once: kept in ${kept.location})`);
  const base = await resolveBase(definitionFile, options);
  if (base.digest !== pinned.digest) {
    throw new UserError(
      `${pinned.field} pins ${pinned.digest}, but ${definitionFile} assembles ${base.digest}: ` +
        "set the pin to the digest the definition builds (npm run image -- base --definition FILE prints it), or restore the definition the pin was taken from",
    );
  }
  await kept.batch(() => writeRuntimeBase(kept, base.image, { tag: definition.tag }));
  return base.repository;
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
