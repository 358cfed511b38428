import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { RELEASE_MANIFEST_MEDIA_TYPE } from "../../schemas/release-manifest.js";
import { ReleaseVersion } from "../../schemas/common.js";
import { UserError } from "../errors.js";
import { parseReleaseManifest } from "../manifest/validate-release-manifest.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import { assertWithinCeiling, MAX_CONFIG_BYTES, MAX_LAYER_BYTES } from "../oci/limits.js";
import { NotFoundError } from "../oci/not-found-error.js";
import { FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE } from "../oci/media-types.js";
import type { Descriptor, FetchedManifest, ImageManifest } from "../oci/types.js";
import { isCosignTag } from "../signing/cosign-format.js";
import type { ReleaseStore } from "./release-store.js";

/** A release read back from a store, every part verified against its digest. */
export interface ResolvedRelease {
  readonly reference: string;
  readonly artifact: FetchedManifest;
  readonly manifestBytes: Uint8Array;
  readonly manifest: ReleaseManifest;
  readonly bundle: FetchedManifest;
  readonly bundleLayer: Descriptor;
}

/**
 * Resolves a channel, version or digest to the release artifact, then fetches and validates the
 * release manifest (ajv) and the config bundle manifest it pins by digest.
 */
export async function resolveRelease(store: ReleaseStore, reference: string): Promise<ResolvedRelease> {
  const where = `${store.release.location}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
  // One GET of the reference, not a HEAD for the digest and a GET by it: by digest the bytes are
  // checked against it; by tag the digest is the bytes' own (and the registry's claim must match), as
  // a GET by the digest a HEAD answered would check them against that same claim.
  let artifact: FetchedManifest;
  try {
    artifact = await store.release.fetchManifest(reference);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    if (/^[a-zA-Z][a-zA-Z0-9._-]*$/.test(reference)) throw new UserError(`${where}: no such channel ${reference}${await knownChannels(store)} (list what is published with npm run channels)`);
    throw new UserError(`${where}: no such release (list what is published with npm run channels)`);
  }
  const image: ImageManifest = parseImageManifest(artifact.bytes, where);
  if (image.config.mediaType !== RELEASE_MANIFEST_MEDIA_TYPE) {
    throw new UserError(`${where}: not an appliance release (config media type ${image.config.mediaType}, expected ${RELEASE_MANIFEST_MEDIA_TYPE})`);
  }
  // The descriptor's size is a claim by whoever wrote the manifest: held to the ceiling before reading.
  assertWithinCeiling(image.config, MAX_CONFIG_BYTES, `${where}: release manifest (config blob)`);
  const manifestBytes = await store.release.fetchBlob(image.config.digest, image.config.size);
  const manifest = parseReleaseManifest(manifestBytes, where);
  // A version tag must hold that version: a re-pointed tag would otherwise install another release silently.
  if (ReleaseVersion.safeParse(reference).success && manifest.version !== reference) {
    throw new UserError(`${where}: the tag holds release ${manifest.version}, not ${reference}; refusing a mislabelled release`);
  }

  const bundleWhere = `${store.config.location}@${manifest.configBundle.digest}`;
  const bundle = await store.config.fetchManifest(manifest.configBundle.digest);
  // The fetched manifest is verified against its digest, so its length is the truth; a release
  // manifest that claims another size (what Flux or a mirror might trust) is lying about its bundle.
  if (bundle.bytes.byteLength !== manifest.configBundle.size) {
    throw new UserError(
      `${where}: configBundle.size is ${manifest.configBundle.size} bytes, but the bundle manifest ${manifest.configBundle.digest} is ${bundle.bytes.byteLength} bytes; refusing a release manifest whose descriptor does not match its bundle (republish it under a new version)`,
    );
  }
  const bundleImage = parseImageManifest(bundle.bytes, bundleWhere);
  const layer = bundleImage.layers[0];
  if (bundleImage.config.mediaType !== FLUX_CONFIG_MEDIA_TYPE || bundleImage.layers.length !== 1 || layer?.mediaType !== FLUX_CONTENT_MEDIA_TYPE) {
    throw new UserError(`${bundleWhere}: not a Flux config bundle (one ${FLUX_CONTENT_MEDIA_TYPE} layer with config ${FLUX_CONFIG_MEDIA_TYPE})`);
  }
  assertWithinCeiling(layer, MAX_LAYER_BYTES, `${bundleWhere}: bundle layer`);
  if (layer.digest !== manifest.configBundle.layerDigest) {
    throw new UserError(`${bundleWhere}: its layer ${layer.digest} is not the ${manifest.configBundle.layerDigest} the release manifest pins`);
  }
  return { reference: where, artifact, manifestBytes, manifest, bundle, bundleLayer: layer };
}

/** `; its channels: a, b` for a message, or nothing when the store cannot say (its tag list is only a hint here). */
async function knownChannels(store: ReleaseStore): Promise<string> {
  try {
    const channels = (await store.release.listTags()).filter((tag) => /^[a-zA-Z]/.test(tag) && !isCosignTag(tag));
    return channels.length > 0 ? `; its channels: ${channels.slice(0, 20).join(", ")}` : "; it has no channels";
  } catch {
    return "";
  }
}
