import { sha256Digest } from "../oci/digest.js";
import { OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import { OCI_IMAGE_CONFIG_MEDIA_TYPE, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE } from "./cosign-format.js";

/** One signature: a layer whose blob is the payload and whose annotation is the signature. */
export interface SignatureLayer {
  readonly payload: Uint8Array;
  /** Standard padded base64 of the DER signature. */
  readonly signature: string;
  /** Other annotations an existing layer carries (cosign's bundle, certificate…), kept as found. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface SignatureImage {
  readonly config: { readonly descriptor: Descriptor; readonly data: Uint8Array };
  readonly manifest: { readonly bytes: Uint8Array; readonly mediaType: string };
}

/**
 * The image cosign writes under `sha256-<hex>.sig`: go-containerregistry's empty image with OCI media
 * types and one uncompressed layer per signature. The config lists each layer's digest as its diff
 * ID (the layers are not compressed) with an empty history entry, as `mutate.Append` writes it.
 */
export function buildSignatureImage(layers: readonly SignatureLayer[]): SignatureImage {
  const layerDescriptors = layers.map((layer) => ({
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    size: layer.payload.byteLength,
    digest: sha256Digest(layer.payload),
    annotations: { ...(layer.annotations ?? {}), [SIGNATURE_ANNOTATION]: layer.signature },
  }));
  const config = {
    architecture: "",
    created: "0001-01-01T00:00:00Z",
    history: layers.map(() => ({ created: "0001-01-01T00:00:00Z" })),
    os: "",
    rootfs: { type: "layers", diff_ids: layerDescriptors.map((layer) => layer.digest) },
    config: {},
  };
  const configData = new TextEncoder().encode(JSON.stringify(config));
  const configDescriptor = { mediaType: OCI_IMAGE_CONFIG_MEDIA_TYPE, size: configData.byteLength, digest: sha256Digest(configData) };
  // go-containerregistry's field order: mediaType, size, digest, annotations.
  const manifest = { schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: configDescriptor, layers: layerDescriptors };
  return {
    config: { descriptor: configDescriptor, data: configData },
    manifest: { bytes: new TextEncoder().encode(JSON.stringify(manifest)), mediaType: OCI_IMAGE_MANIFEST },
  };
}
