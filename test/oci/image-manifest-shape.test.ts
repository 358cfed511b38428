/**
 * A manifest read from a registry is parsed before anything has verified what it says. Its config
 * and layers must be descriptors; anything else (null, a number, a descriptor without a size) is
 * refused with an InvalidArtifactError naming the field, not left to crash a reader later (promote
 * reads every layer's size and digest).
 */
import { describe, expect, it } from "vitest";
import { parseImageManifest } from "../../src/oci/image-manifest.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";

const descriptor = { mediaType: "application/vnd.example", digest: `sha256:${"a".repeat(64)}`, size: 3 };
const manifest = (fields: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: descriptor, layers: [descriptor], ...fields }));

describe("parseImageManifest", () => {
  it("accepts descriptors", () => {
    expect(parseImageManifest(manifest({}), "m").layers).toEqual([descriptor]);
  });

  it.each([
    ["a null layer", { layers: [descriptor, null] }, "layers[1]"],
    ["a layer that is a number", { layers: [7] }, "layers[0]"],
    ["a layer without a size", { layers: [{ mediaType: "x", digest: descriptor.digest }] }, "layers[0]"],
    ["a config that is a string", { config: "x" }, "config"],
    ["a layer with a negative size", { layers: [{ ...descriptor, size: -1 }] }, "layers[0]"],
    ["a layer with a fractional size", { layers: [{ ...descriptor, size: 1.5 }] }, "layers[0]"],
    ["a subject without a digest", { subject: { mediaType: "x", size: 1 } }, "subject"],
  ])("refuses %s, naming the field", (_, fields, field) => {
    const error = (() => {
      try {
        parseImageManifest(manifest(fields), "registry/x@sha256:…");
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.name).toBe("InvalidArtifactError");
    expect(error?.message).toBe(`registry/x@sha256:…: ${field} is not a descriptor (mediaType, digest and size)`);
  });

  it.each([
    ["a Docker schema 2 manifest", { mediaType: "application/vnd.docker.distribution.manifest.v2+json" }, "its mediaType is application/vnd.docker.distribution.manifest.v2+json"],
    ["an index", { mediaType: "application/vnd.oci.image.index.v1+json" }, "its mediaType is application/vnd.oci.image.index.v1+json"],
    ["a manifest without a mediaType", { mediaType: undefined }, "it has no mediaType"],
    ["schemaVersion 1", { schemaVersion: 1 }, `its mediaType is ${OCI_IMAGE_MANIFEST}`],
  ])("refuses %s as not an OCI image manifest", (_, fields, found) => {
    expect(() => parseImageManifest(manifest(fields), "m")).toThrow(`m: not an OCI image manifest (${found}; expected schemaVersion 2 and mediaType ${OCI_IMAGE_MANIFEST})`);
  });

  it("refuses bytes that are not JSON, and JSON that is not an object", () => {
    expect(() => parseImageManifest(new TextEncoder().encode("{"), "m")).toThrow("m: the manifest is not JSON");
    expect(() => parseImageManifest(new TextEncoder().encode("null"), "m")).toThrow("m: not an OCI image manifest (it has no mediaType;");
  });

  it("keeps fields it does not know (the bytes are what is stored; readers may look at more)", () => {
    const parsed = parseImageManifest(manifest({ artifactType: "application/x", annotations: { a: "b" }, extra: 1 }), "m") as unknown as Record<string, unknown>;
    expect(parsed["artifactType"]).toBe("application/x");
    expect(parsed["extra"]).toBe(1);
  });
});
