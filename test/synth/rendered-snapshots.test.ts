import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { readYamlDocument } from "../../src/release/read-yaml-document.js";
import { listReleaseFiles } from "../../src/release/load-release.js";
import { synthesizeRelease, synthesizeVendor } from "../../src/synth/synth-release.js";
import { RELEASES_DIR } from "../support/rendered.js";

const decoder = new TextDecoder();

// Every rendered file is a reviewed snapshot: a change to the output shows up as a diff in review.
describe.each(listReleaseFiles(RELEASES_DIR))("rendered files of %s", (file) => {
  const release = synthesizeRelease(file, 0);
  it.each([...release.files.keys()])("%s", async (path) => {
    await expect(decoder.decode(release.files.get(path))).toMatchFileSnapshot(join("__snapshots__", release.version, path));
  });
});

describe("rendered vendor files", () => {
  const definition = readYamlDocument(join(RELEASES_DIR, "vendor", "license-service.yaml"), LicenseServiceDefinition, "license service definition");
  const files = synthesizeVendor(definition, "releases/vendor/license-service.yaml");
  it.each([...files.keys()])("%s", async (path) => {
    await expect(decoder.decode(files.get(path))).toMatchFileSnapshot(join("__snapshots__", path));
  });
});
