import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { readYamlDocument } from "../../src/release/read-yaml-document.js";
import { listReleaseFiles } from "../../src/release/release-files.js";
import { synthesizeRelease, synthesizeVendor } from "../../src/synth/synth-release.js";
import { RELEASES_DIR } from "../support/rendered.js";

const decoder = new TextDecoder();
const SNAPSHOTS = join(import.meta.dirname, "__snapshots__");
/** Every rendered file's snapshot path, below SNAPSHOTS. */
const rendered: string[] = [];

// Every rendered file is a reviewed snapshot: a change to the output shows up as a diff in review.
describe.each(listReleaseFiles(RELEASES_DIR))("rendered files of %s", (file) => {
  const release = synthesizeRelease(file, 0);
  rendered.push(...[...release.files.keys()].map((path) => join(release.version, path)));
  it.each([...release.files.keys()])("%s", async (path) => {
    await expect(decoder.decode(release.files.get(path))).toMatchFileSnapshot(join("__snapshots__", release.version, path));
  });
});

describe("rendered vendor files", () => {
  const definition = readYamlDocument(join(RELEASES_DIR, "vendor", "license-service.yaml"), LicenseServiceDefinition, "license service definition");
  const files = synthesizeVendor(definition, "releases/vendor/license-service.yaml");
  rendered.push(...files.keys());
  it.each([...files.keys()])("%s", async (path) => {
    await expect(decoder.decode(files.get(path))).toMatchFileSnapshot(join("__snapshots__", path));
  });
});

// Runs after the snapshots above (a file's tests run in order). Outside CI vitest has just written
// the snapshot of a new rendered file, for review in the diff; in CI (CI=true, as .ci/run sets) it
// writes none, so a rendered file without its snapshot fails here as well as above.
describe("the snapshot directory", () => {
  it("holds a snapshot of every rendered file and of nothing else", () => {
    const snapshots = readdirSync(SNAPSHOTS, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(SNAPSHOTS.length + 1));
    expect(rendered.length).toBeGreaterThan(40);
    expect(snapshots.filter((path) => !rendered.includes(path)).sort(), "obsolete snapshots: nothing renders these files, delete them").toEqual([]);
    expect(rendered.filter((path) => !snapshots.includes(path)).sort(), "rendered files without a snapshot: run the tests locally, review and commit them").toEqual([]);
  });
});
