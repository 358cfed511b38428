/**
 * A manifest read from a registry is parsed before anything has verified what it says. Its config
 * and layers must be descriptors; anything else (null, a number, a descriptor without a size) is
 * refused with an InvalidArtifactError naming the field, not left to crash a reader later (promote
 * reads every layer's size and digest).
 */
import { describe, expect, it } from "vitest";
import { parseImageManifest } from "../../src/oci/copy-artifact.js";
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
});
