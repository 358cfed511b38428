import type { ContentRepository, Descriptor } from "../oci/types.js";
import type { AssembledImage } from "./assemble-image.js";

export interface WriteImageReport {
  readonly index: Descriptor;
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
  readonly manifestsPushed: number;
}

export interface WriteImageOptions {
  /** Tag the index is stored under after everything it references is in place. */
  readonly tag?: string;
  readonly progress?: (message: string) => void;
}

/**
 * Stores an assembled image in `target`: blobs first (the base's layers copied from `base` only
 * when the target lacks them), then each platform manifest by digest, then the index by digest
 * and last under its tag. What the target already holds is neither read nor sent again, so
 * writing an unchanged image uploads nothing.
 */
export async function writeImage(target: ContentRepository, base: ContentRepository, image: AssembledImage, options: WriteImageOptions = {}): Promise<WriteImageReport> {
  let blobsUploaded = 0;
  let bytesUploaded = 0;
  let manifestsPushed = 0;
  const seen = new Set<string>();
  const ensureBlob = async (descriptor: Descriptor, data?: Uint8Array) => {
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    if (await target.hasBlob(descriptor.digest)) return;
    options.progress?.(`uploading ${descriptor.digest.slice(0, 19)} (${descriptor.size} bytes)`);
    await target.pushBlob(descriptor, data ?? (await base.fetchBlob(descriptor.digest, descriptor.size)), { knownAbsent: true });
    blobsUploaded++;
    bytesUploaded += descriptor.size;
  };
  const ensureManifest = async (descriptor: Descriptor, data: Uint8Array) => {
    if (await target.resolve(descriptor.digest)) return;
    await target.pushManifest(data, descriptor.mediaType, descriptor.digest);
    manifestsPushed++;
    bytesUploaded += data.byteLength;
  };
  for (const platform of image.platforms) {
    for (const layer of platform.baseLayers) await ensureBlob(layer);
    await ensureBlob(image.layer.blob.descriptor, image.layer.blob.data);
    await ensureBlob(platform.config.descriptor, platform.config.data);
    await ensureManifest(platform.manifest.descriptor, platform.manifest.data);
  }
  await ensureManifest(image.index.descriptor, image.index.data);
  if (options.tag !== undefined) {
    const current = await target.resolve(options.tag);
    if (current?.digest !== image.index.descriptor.digest) {
      await target.pushManifest(image.index.data, image.index.descriptor.mediaType, options.tag);
      manifestsPushed++;
    }
  }
  return { index: image.index.descriptor, blobsUploaded, bytesUploaded, manifestsPushed };
}
