import { UsageError } from "../errors.js";
import { CHANNELS_REPOSITORY, CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import { joinRepositoryName, parseRegistryTarget } from "../oci/registry-reference.js";
import type { ContentRepository } from "../oci/types.js";
import { signArtifact, signArtifactBundle, type SignatureFormat, type SignOutcome } from "../signing/sign-artifact.js";
import type { SigningKey } from "../signing/signing-keys.js";
import { verifyArtifact, type TrustedKey, type VerifiedSignature } from "../signing/verify-artifact.js";
import type { ReleaseStore } from "./release-store.js";
import type { ResolvedRelease } from "./resolve-release.js";

/** Which of a store's repositories: a release's two artifacts, or the channel statements. */
export type ReleaseRepository = "config" | "release" | "channels";

const REPOSITORY_NAMES: Record<ReleaseRepository, string> = { config: CONFIG_REPOSITORY, release: RELEASE_REPOSITORY, channels: CHANNELS_REPOSITORY };

/**
 * The `docker-reference` a signature names for an artifact of `store` (cosign's `registry/repository`,
 * without tag). `identity` (`HOST[:PORT]/NAMESPACE`) names the registry namespace the artifacts are
 * served from when that is not the store itself: a layout that will be copied to a registry, or a
 * mirror of the vendor's registry. Without it a registry store names itself, and a layout the bare
 * repository name.
 */
export function signatureIdentity(store: ReleaseStore, which: ReleaseRepository, identity?: string): string {
  const name = REPOSITORY_NAMES[which];
  if (identity !== undefined) {
    let target;
    try {
      target = parseRegistryTarget(identity);
    } catch (error) {
      throw new UsageError(`--identity "${identity}": ${(error as Error).message}`);
    }
    return dockerReference(target.registry, target.namespace ? joinRepositoryName(target.namespace, name) : name);
  }
  // Only a registry store has a Flux URL; its repositories' locations are `host/repository`.
  if (store.configUrl) {
    const location = store[which === "channels" ? "statements" : which].location;
    const slash = location.indexOf("/");
    return dockerReference(location.slice(0, slash), location.slice(slash + 1));
  }
  return name;
}

/** cosign (go-containerregistry) names Docker Hub `index.docker.io` and puts single names under `library/`. */
function dockerReference(registry: string, repository: string): string {
  if (registry === "docker.io" || registry === "registry-1.docker.io" || registry === "index.docker.io") {
    return `index.docker.io/${repository.includes("/") ? repository : `library/${repository}`}`;
  }
  return `${registry}/${repository}`;
}

export interface ArtifactSignature extends SignOutcome {
  readonly artifact: ReleaseRepository;
  readonly digest: string;
  readonly dockerReference: string;
}

/** What publish calls to sign an artifact after its manifest is stored and before any tag names it: one result per format. */
export type ArtifactSigner = (which: ReleaseRepository, repository: ContentRepository, digest: string) => Promise<ArtifactSignature[]>;

export interface SignerOptions {
  /** `HOST[:PORT]/NAMESPACE` the signatures name; see `signatureIdentity`. */
  readonly identity?: string;
  /**
   * Which formats to write: cosign's classic `.sig` image (what Flux < 2.8 and `cosign verify` read),
   * a sigstore bundle referrer (what Flux ≥ 2.8 and cosign v3 read first), or both.
   * @default ["classic"] (the commands' --signature-format defaults to both)
   */
  readonly formats?: readonly SignatureFormat[];
}

/** The `--signature-format` values: classic, bundle, or both. */
export function signatureFormats(value: string | undefined): SignatureFormat[] {
  // Both by default: cosign v3 and Flux >= 2.8 read the bundle first, Flux before 2.8 only the .sig.
  if (value === undefined || value === "both") return ["classic", "bundle"];
  if (value === "classic") return ["classic"];
  if (value === "bundle") return ["bundle"];
  throw new UsageError(`--signature-format "${value}": use classic (cosign's .sig tag), bundle (sigstore bundle referrer, Flux >= 2.8) or both`);
}

/** A signer for `store` with `key`. */
export function releaseSigner(store: ReleaseStore, key: SigningKey, options: SignerOptions = {}): ArtifactSigner {
  const formats = options.formats ?? ["classic"];
  return async (which, repository, digest) => {
    const reference = signatureIdentity(store, which, options.identity);
    const results: ArtifactSignature[] = [];
    for (const format of formats) {
      const outcome = format === "classic" ? await signArtifact(repository, reference, digest, key) : await signArtifactBundle(repository, reference, digest, key);
      results.push({ artifact: which, digest, dockerReference: reference, ...outcome });
    }
    return results;
  };
}

/** Signs an already published release: the config bundle and the release artifact, each by manifest digest. */
export async function signRelease(store: ReleaseStore, release: ResolvedRelease, key: SigningKey, options: SignerOptions = {}): Promise<ArtifactSignature[]> {
  const sign = releaseSigner(store, key, options);
  return [...(await sign("config", store.config, release.bundle.descriptor.digest)), ...(await sign("release", store.release, release.artifact.descriptor.digest))];
}

export interface ReleaseVerification {
  readonly config: VerifiedSignature & { readonly digest: string; readonly dockerReference: string };
  readonly release: VerifiedSignature & { readonly digest: string; readonly dockerReference: string };
}

/**
 * Verifies both artifacts of a resolved release against `keys` (any may match): the release
 * artifact (which pins everything else by digest) and the config bundle Flux will pull.
 * Throws `SignatureVerificationError` on the first that fails.
 */
export async function verifyReleaseSignatures(store: ReleaseStore, release: ResolvedRelease, keys: readonly TrustedKey[], identity?: string): Promise<ReleaseVerification> {
  const check = async (which: ReleaseRepository, repository: ContentRepository, digest: string) => {
    const reference = signatureIdentity(store, which, identity);
    return { digest, dockerReference: reference, ...(await verifyArtifact(repository, reference, digest, keys)) };
  };
  return {
    release: await check("release", store.release, release.artifact.descriptor.digest),
    config: await check("config", store.config, release.bundle.descriptor.digest),
  };
}
