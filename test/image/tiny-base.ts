/**
 * A two-platform base image small enough for unit tests: a distroless-shaped config (node at
 * /nodejs/bin/node as entrypoint, an Env, history) over one tiny layer per platform, in an OCI
 * image layout. Nothing in it runs; the containerd test uses the real Node.js base.
 */
import { createDeterministicTar } from "../../src/bundle/tar-writer.js";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import { blobOf } from "../../src/oci/build-artifact.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { OCI_IMAGE_CONFIG_MEDIA_TYPE, OCI_IMAGE_INDEX, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import type { ContentRepository, Descriptor } from "../../src/oci/types.js";

export async function writeTinyBase(root: string): Promise<{ repository: ContentRepository; index: Descriptor; reference: string }> {
  const stored = await storeTinyBase(openLayoutRepository(root, "nodejs22"));
  return { ...stored, reference: `ghcr.io/example/nodejs22:22@${stored.index.digest}` };
}

/** The same base pushed to a local registry as `repository:22`; the reference names that registry. */
export async function pushTinyBase(registryHost: string, repository = "ark-test/tiny-nodejs22"): Promise<{ index: Descriptor; reference: string }> {
  const stored = await storeTinyBase(new RegistryClient({ registry: registryHost, plainHttp: true, userAgent: "ark-test" }).repository(repository));
  return { index: stored.index, reference: `${registryHost}/${repository}:22@${stored.index.digest}` };
}

async function storeTinyBase<T extends ContentRepository>(repository: T): Promise<{ repository: T; index: Descriptor }> {
  const manifests = [];
  for (const architecture of ["amd64", "arm64"]) {
    const tar = createDeterministicTar([{ type: "file", path: "nodejs/bin/node", data: new TextEncoder().encode(`#!not really node for ${architecture}\n`), executable: true }]);
    const layer = blobOf(OCI_IMAGE_LAYER_GZIP, deterministicGzip(tar));
    const config = blobOf(
      OCI_IMAGE_CONFIG_MEDIA_TYPE,
      new TextEncoder().encode(
        JSON.stringify({
          architecture,
          os: "linux",
          config: { Env: ["PATH=/nodejs/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"], Entrypoint: ["/nodejs/bin/node"], User: "0", Labels: { "base.label": "kept" } },
          rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
          history: [{ created: "2025-01-01T00:00:00Z", created_by: "tiny base" }],
        }),
      ),
    );
    const manifest = blobOf(OCI_IMAGE_MANIFEST, new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: config.descriptor, layers: [layer.descriptor] })));
    await repository.pushBlob(layer.descriptor, layer.data);
    await repository.pushBlob(config.descriptor, config.data);
    await repository.pushManifest(manifest.data, OCI_IMAGE_MANIFEST, manifest.descriptor.digest);
    manifests.push({ ...manifest.descriptor, platform: { architecture, os: "linux", ...(architecture === "arm64" ? { variant: "v8" } : {}) } });
  }
  const index = blobOf(OCI_IMAGE_INDEX, new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests })));
  await repository.pushManifest(index.data, OCI_IMAGE_INDEX, "22");
  return { repository, index: index.descriptor };
}
