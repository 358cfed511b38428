import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { KIT_NAME } from "../../schemas/names.js";
import { UsageError } from "../errors.js";
import { CHANNELS_REPOSITORY, CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import type { Deadline } from "../oci/deadline.js";
import { OCI_LAYOUT_FILE, openLayoutRepository } from "../oci/layout.js";
import { LayoutReferenceView } from "../oci/layout-reference-view.js";
import { RegistryClient, type RegistryProgressEvent } from "../oci/registry-client.js";
import { joinRepositoryName, parseRegistryTarget } from "../oci/registry-reference.js";
import type { ContentRepository } from "../oci/types.js";

/** Where releases are published to or pulled from: a registry namespace or an OCI image layout directory. */
export interface ReleaseStore {
  /** For messages: `127.0.0.1:5000/alga` or `oci-layout:/path`. */
  readonly location: string;
  readonly config: ContentRepository;
  readonly release: ContentRepository;
  /** The signed channel statements (see channel-statements.ts). */
  readonly statements: ContentRepository;
  /** `oci://…/alga-appliance-config` for Flux, when the store is a registry. */
  readonly configUrl?: string;
  /** Registry repository name of the config bundle, for cross-repository mounts into the release repository. */
  readonly configRepositoryName?: string;
  /** How many blobs of one artifact a publish sends at once: a few for a registry, one for a layout. */
  readonly blobConcurrency: number;
  /** Plain HTTP registry: Flux needs `insecure: true`. */
  readonly insecure: boolean;
  /** Fails early with a clear message when the store cannot be reached. */
  check(): Promise<void>;
  /**
   * Runs a whole publish as one unit where the store can: an OCI image layout holds its lock and
   * writes each index.json once at the end. Absent for registries.
   */
  batch?<T>(work: () => Promise<T>): Promise<T>;
}

export interface StoreOptions {
  readonly registry?: string;
  readonly plainHttp?: boolean;
  readonly ociLayout?: string;
  readonly onProgress?: (event: RegistryProgressEvent) => void;
  /** The command's overall deadline: requests, retries and lock waits fit inside it. Default: none. */
  readonly deadline?: Deadline;
}

/** Blobs of one artifact in flight at once against a registry (an artifact has a config and a layer or two). */
const REGISTRY_BLOB_CONCURRENCY = 4;

/**
 * A release store given as `--oci-layout DIR` is one layout per repository (`DIR/<repository>/`),
 * as publish writes it; a DIR that is itself a layout, holding no release repository, is one layout
 * named by full references (what `airgap import --oci-layout` writes), read through views.
 */
function isSingleLayout(root: string): boolean {
  return existsSync(join(root, OCI_LAYOUT_FILE)) && !existsSync(join(root, RELEASE_REPOSITORY));
}

/** The embedded default target: an OCI image layout directory beside the checkout. */
export const DEFAULT_LAYOUT_DIR = "oci-layout";

/** Opens the store named by `--registry` / `--oci-layout`; `defaultLayout` applies when neither is given. */
export function openReleaseStore(options: StoreOptions, defaultLayout?: string): ReleaseStore {
  if (options.registry && options.ociLayout) throw new UsageError("give either --registry or --oci-layout, not both");
  if (options.plainHttp && !options.registry) throw new UsageError("--plain-http applies only with --registry");
  if (options.registry) {
    let target;
    try {
      target = parseRegistryTarget(options.registry);
    } catch (error) {
      throw new UsageError(`--registry: ${(error as Error).message}`);
    }
    const client = new RegistryClient({
      registry: target.registry,
      plainHttp: options.plainHttp ?? false,
      userAgent: KIT_NAME,
      ...(options.deadline ? { deadline: options.deadline } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // One ping per command, however many steps ask for the check.
    let pinged: Promise<void> | undefined;
    const repo = (name: string) => (target.namespace ? joinRepositoryName(target.namespace, name) : name);
    return {
      location: `${target.registry}${target.namespace ? `/${target.namespace}` : ""}`,
      config: client.repository(repo(CONFIG_REPOSITORY)),
      release: client.repository(repo(RELEASE_REPOSITORY)),
      statements: client.repository(repo(CHANNELS_REPOSITORY)),
      configUrl: `oci://${target.registry}/${repo(CONFIG_REPOSITORY)}`,
      configRepositoryName: repo(CONFIG_REPOSITORY),
      insecure: options.plainHttp ?? false,
      blobConcurrency: REGISTRY_BLOB_CONCURRENCY,
      check: () => (pinged ??= client.ping()),
    };
  }
  const dir = options.ociLayout ?? defaultLayout;
  if (!dir) throw new UsageError("name where to read from: --registry HOST[:PORT]/NAMESPACE or --oci-layout DIR");
  const root = resolve(dir);
  if (isSingleLayout(root)) {
    // One layout named by full references (airgap import --oci-layout): read-only views of it.
    return {
      location: `oci-layout:${root}`,
      config: new LayoutReferenceView(root, CONFIG_REPOSITORY),
      release: new LayoutReferenceView(root, RELEASE_REPOSITORY),
      statements: new LayoutReferenceView(root, CHANNELS_REPOSITORY),
      insecure: false,
      blobConcurrency: 1,
      check: async () => {},
    };
  }
  const layoutOptions = options.deadline ? { deadline: options.deadline } : {};
  const config = openLayoutRepository(root, CONFIG_REPOSITORY, layoutOptions);
  const release = openLayoutRepository(root, RELEASE_REPOSITORY, layoutOptions);
  return {
    location: `oci-layout:${root}`,
    config,
    release,
    statements: openLayoutRepository(root, CHANNELS_REPOSITORY, layoutOptions),
    insecure: false,
    blobConcurrency: 1,
    // Always config before release, so two publishers never wait on each other's second lock.
    batch: (work) => config.batch(() => release.batch(work)),
    // A layout is created on first write; reads of a missing one find no tags.
    check: async () => {},
  };
}
