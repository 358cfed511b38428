import { resolve } from "node:path";
import { imageParts } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import type { Deadline } from "../oci/deadline.js";
import { openLayoutRepository } from "../oci/layout.js";
import { RegistryClient } from "../oci/registry-client.js";
import { joinRepositoryName, parseRegistryTarget } from "../oci/registry-reference.js";
import type { ContentRepository } from "../oci/types.js";
import { KIT_NAME } from "../../schemas/names.js";

/** The status image's repository name in a store (the last segment of the release's statusService.image). */
export const STATUS_IMAGE_REPOSITORY = "alga-appliance-status";

export interface StatusImageTarget {
  readonly repository: ContentRepository;
  /** `<registry>/<namespace>/<name>` for a registry; the bare repository name for a layout (as its signatures name it). */
  readonly dockerReference: string;
  /** Runs the writes as one unit where the store can (a layout holds its lock and writes index.json once). */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Where the image goes: the release's image repository name (its last path segment, e.g.
 * `alga-appliance-status`) under the registry namespace, or as its own layout under DIR.
 */
export function statusImageTarget(options: { registry?: string; plainHttp?: boolean; ociLayout?: string; deadline?: Deadline }, releaseImageOrName: string): StatusImageTarget {
  const repositoryPath = releaseImageOrName.includes("/") ? imageParts(releaseImageOrName).repository : releaseImageOrName;
  const name = repositoryPath.slice(repositoryPath.lastIndexOf("/") + 1);
  if (options.registry) {
    let parsed;
    try {
      parsed = parseRegistryTarget(options.registry);
    } catch (error) {
      throw new UsageError(`--registry: ${(error as Error).message}`);
    }
    const client = new RegistryClient({
      registry: parsed.registry,
      plainHttp: options.plainHttp ?? false,
      userAgent: KIT_NAME,
      ...(options.deadline ? { deadline: options.deadline } : {}),
    });
    const repository = parsed.namespace ? joinRepositoryName(parsed.namespace, name) : name;
    return { repository: client.repository(repository), dockerReference: `${parsed.registry}/${repository}`, run: (work) => work() };
  }
  const layout = openLayoutRepository(resolve(options.ociLayout ?? "oci-layout"), name, options.deadline ? { deadline: options.deadline } : {});
  return { repository: layout, dockerReference: name, run: (work) => layout.batch(work) };
}
