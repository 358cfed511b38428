/**
 * Publish works from what synth staged: the release definition, profile and lock synth rendered
 * from are staged beside the OCI layouts (dist/<version>/oci/release-inputs.json), so publish
 * never parses the release files again, and reads that file as it reads any input: validated.
 */
import { cpSync, existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { loadRelease } from "../../src/release/load-release.js";
import { listReleaseFiles } from "../../src/release/release-files.js";
import { synthesizeRelease } from "../../src/synth/synth-release.js";
import { STAGED_INPUTS_FILE, STAGED_LAYOUT_DIR, writeRelease } from "../../src/synth/write-output.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

const inputsFile = (dist: string, version: string) => join(dist, version, STAGED_LAYOUT_DIR, STAGED_INPUTS_FILE);

/** Rewrites the staged inputs of `version` through `edit`. */
function editInputs(dist: string, version: string, edit: (inputs: any) => unknown): void {
  const file = inputsFile(dist, version);
  writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, "utf8")))));
}

describe("the release inputs synth stages", () => {
  const versions = listReleaseFiles(RELEASES_DIR).map((file) => loadRelease(file).definition.version);

  it.each(versions)("%s: read back, they are exactly what the release files say (definition, profile, lock)", async (version) => {
    const dist = await stagedDist([version]);
    const loaded = loadRelease(join(RELEASES_DIR, `${version}.yaml`));
    const staged = await openStagedRelease(dist, version);
    expect(staged.inputs).toEqual({
      releaseArtifact: staged.releaseArtifact.digest,
      definition: loaded.definition,
      profile: loaded.profile,
      ...(loaded.lock ? { lock: loaded.lock.lock } : {}),
    });
  });

  it("the shipped releases above cover a release with a lock and one without", () => {
    expect(versions.map((version) => existsSync(join(RELEASES_DIR, `${version}.lock.yaml`)))).toEqual(expect.arrayContaining([true, false]));
  });

  it("publish publishes what synth staged: a release file that no longer parses (but is older than the staging) is not read", async () => {
    const checkout = tempDir();
    cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
    expect((await runCli("synth", ["--release", "1.0-rc5"], { cwd: checkout })).code).toBe(0);
    const releaseFile = join(checkout, "releases", "1.0-rc5.yaml");
    writeFileSync(releaseFile, "version: [unclosed\n");
    // Older than the staged output, so the freshness check (by modification time) lets it pass.
    const stagedAt = statSync(join(checkout, "dist", "1.0-rc5", "release-manifest.json")).mtime;
    const before = new Date(stagedAt.getTime() - 60_000);
    utimesSync(releaseFile, before, before);

    const result = await runCli("publish", ["--release", "1.0-rc5", "--json"], { cwd: checkout });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).releases[0]).toMatchObject({ version: "1.0-rc5", alreadyPublished: false });
  });

  it("staged inputs that are missing are refused before anything is written: run synth first", async () => {
    const checkout = tempDir();
    cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
    expect((await runCli("synth", ["--release", "1.0.0"], { cwd: checkout })).code).toBe(0);
    rmSync(inputsFile(join(checkout, "dist"), "1.0.0"));

    const result = await runCli("publish", ["--release", "1.0.0"], { cwd: checkout });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/oci\/release-inputs\.json is missing \(staged by an older synth\?\); run npm run synth -- --release 1\.0\.0 first/);
    expect(existsSync(join(checkout, "oci-layout"))).toBe(false);
  });

  it("staged inputs that are not JSON, not valid, of another release or of another synth run are refused, naming the file and the field", async () => {
    const dist = await stagedDist(["1.0-rc5", "1.0.0"]);

    writeFileSync(inputsFile(dist, "1.0-rc5"), "{ not json");
    await expect(openStagedRelease(dist, "1.0-rc5")).rejects.toThrow(/release-inputs\.json is not JSON \(edited after synth\?\); run npm run synth -- --release 1\.0-rc5 first/);

    writeFileSync(inputsFile(dist, "1.0-rc5"), readFileSync(inputsFile(dist, "1.0.0")));
    await expect(openStagedRelease(dist, "1.0-rc5")).rejects.toThrow(/release-inputs\.json holds the inputs of release 1\.0\.0, not 1\.0-rc5; run npm run synth/);

    editInputs(dist, "1.0.0", (inputs) => ({ ...inputs, definition: { ...inputs.definition, controlPlane: { image: "not an image reference" } } }));
    await expect(openStagedRelease(dist, "1.0.0")).rejects.toThrow(/release-inputs\.json is not what synth stages \(edited after synth\?\):\n {2}definition\.controlPlane\.image: /);

    const intact = await stagedDist(["1.0.0"]);
    editInputs(intact, "1.0.0", (inputs) => ({ ...inputs, lock: { ...inputs.lock, release: "1.0-rc5" } }));
    await expect(openStagedRelease(intact, "1.0.0")).rejects.toThrow(/release-inputs\.json holds the lock of release 1\.0-rc5, not 1\.0\.0/);

    // The same release rendered by another synth run (another SOURCE_DATE_EPOCH: another release artifact).
    const other = join(tempDir(), "dist");
    await writeRelease(other, synthesizeRelease(join(RELEASES_DIR, "1.0.0.yaml"), 86_400));
    const current = await stagedDist(["1.0.0"]);
    cpSync(inputsFile(other, "1.0.0"), inputsFile(current, "1.0.0"));
    await expect(openStagedRelease(current, "1.0.0")).rejects.toThrow(/release-inputs\.json rendered the release artifact sha256:[0-9a-f]{64}, not the staged sha256:[0-9a-f]{64} \(from another synth run\?\)/);

    const extra = await stagedDist(["1.0.0"]);
    editInputs(extra, "1.0.0", (inputs) => ({ ...inputs, unexpected: true }));
    await expect(openStagedRelease(extra, "1.0.0")).rejects.toThrow(/release-inputs\.json is not what synth stages/);
  });
});
