import { cpSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const NO_CREDENTIALS = { OCI_USERNAME: "", OCI_PASSWORD: "", OCI_TOKEN: "", DOCKER_CONFIG: "/nonexistent" };
const PASSWORD = "correct horse battery staple";
let registry: RunningRegistry;
let checkout: string;

beforeAll(async () => {
  registry = await startRegistry();
  checkout = tempDir();
  cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
  const synth = await runCli("synth", ["--release", "1.0-rc5"], { cwd: checkout });
  expect(synth.code, synth.stderr).toBe(0);
});
afterAll(() => registry?.stop());

/** Runs a command in the checkout with COSIGN_PASSWORD set and no registry credentials. */
const cli = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCli(command, args, { cwd: checkout, env: { ...NO_CREDENTIALS, COSIGN_PASSWORD: PASSWORD, ...env } });

describe("keygen, publish --sign-key, verify, pull --verify-key as commands", () => {
  it("keygen writes cosign.key (encrypted) and cosign.pub with mode 0600, prints no key, and never overwrites", async () => {
    const result = await cli("keygen", ["--out", "keys", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, privateKey: join(checkout, "keys", "cosign.key"), publicKey: join(checkout, "keys", "cosign.pub"), fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    for (const file of ["cosign.key", "cosign.pub"]) expect(statSync(join(checkout, "keys", file)).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(checkout, "keys", "cosign.key"), "utf8");
    expect(key).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect(readFileSync(join(checkout, "keys", "cosign.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const body = key.split("\n")[1]!;
    expect(result.stdout + result.stderr).not.toContain(body);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);

    const again = await cli("keygen", ["--out", "keys"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cosign\.key already exists/);
    expect(readFileSync(join(checkout, "keys", "cosign.key"), "utf8")).toBe(key);

    const noPassword = await runCli("keygen", ["--out", "keys2"], { cwd: checkout, env: { COSIGN_PASSWORD: undefined } as any });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/set COSIGN_PASSWORD/);
    expect(existsSync(join(checkout, "keys2"))).toBe(false);
  });

  it("publishes signed, verifies, pulls verified; another key or a wrong passphrase is refused", async () => {
    const other = await cli("keygen", ["--out", "other"]);
    expect(other.code, other.stderr).toBe(0);
    const target = ["--registry", `${registry.host}/alga`, "--plain-http"];
    // 1.0-rc5 names ghcr.io images this machine cannot reach, and is not pinned: no preflight, no pin rule.
    const unchecked = ["--skip-preflight", "--allow-unpinned"];

    const wrong = await cli("publish", ["--release", "1.0-rc5", ...target, ...unchecked, "--sign-key", "keys/cosign.key"], { COSIGN_PASSWORD: "nope" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/keys\/cosign\.key: the passphrase does not open this key/);

    const published = await cli("publish", ["--release", "1.0-rc5", ...target, ...unchecked, "--channel", "stable", "--json"], { SIGNING_KEY_FILE: "keys/cosign.key" });
    expect(published.code, published.stderr).toBe(0);
    // Both formats by default: the .sig image and the sigstore bundle, for each artifact.
    expect(JSON.parse(published.stdout).releases[0].signatures.map((s: any) => [s.artifact, s.format, s.pushed])).toEqual([
      ["config", "classic", true],
      ["config", "bundle", true],
      ["release", "classic", true],
      ["release", "bundle", true],
    ]);

    const verified = await cli("verify", ["--channel", "stable", "--key", "keys/cosign.pub", ...target, "--json"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, verified: true, version: "1.0-rc5", config: { dockerReference: `${registry.host}/alga/alga-appliance-config` } });

    const refused = await cli("verify", ["--release", "1.0-rc5", "--key", "other/cosign.pub", ...target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no valid signature by the given key/);
    const refusedJson = await cli("verify", ["--release", "1.0-rc5", "--key", "other/cosign.pub", ...target, "--json"]);
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(/no valid signature/), reasons: [expect.stringMatching(/does not verify with any given key/)] });

    const out = join(checkout, "appliance");
    const pulledWrong = await cli("pull", [...target, "--channel", "stable", "--out", out, "--verify-key", "other/cosign.pub"]);
    expect(pulledWrong.code).toBe(1);
    expect(existsSync(out)).toBe(false);

    const pulled = await cli("pull", [...target, "--channel", "stable", "--out", out, "--verify-key", "other/cosign.pub", "--verify-key", "keys/cosign.pub"]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const docs = parseAllDocuments(readFileSync(join(out, "flux", "source.yaml"), "utf8")).map((doc) => doc.toJS());
    expect(docs.find((d) => d.kind === "Secret").stringData["cosign-2.pub"]).toBe(readFileSync(join(checkout, "keys", "cosign.pub"), "utf8"));

    const promote = await cli("promote", ["--channel", "nightly", "--release", "1.0-rc5", ...target, "--verify-key", "other/cosign.pub", "--allow-unpinned"]);
    expect(promote.code).toBe(1);
    const channels = await cli("channels", [...target, "--json"]);
    expect(JSON.parse(channels.stdout).channels.map((c: any) => c.channel)).toEqual(["stable"]);

    const verifyPrivate = await cli("verify", ["--release", "1.0-rc5", "--key", "keys/cosign.key", ...target]);
    expect(verifyPrivate.code).toBe(1);
    expect(verifyPrivate.stderr).toMatch(/expected a PUBLIC KEY PEM/);
  });

  it("npm run sign signs a release already published to a layout, for the vendor's namespace", async () => {
    const layout = ["--oci-layout", "layout"];
    const published = await cli("publish", ["--release", "1.0-rc5", ...layout]);
    expect(published.code, published.stderr).toBe(0);
    const unsigned = await cli("verify", ["--release", "1.0-rc5", "--key", "keys/cosign.pub", ...layout]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/is not signed/);

    const signed = await cli("sign", ["--release", "1.0-rc5", "--key", "keys/cosign.key", ...layout, "--identity", "ghcr.io/nine-minds", "--signature-format", "classic", "--json"]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout).signatures.map((s: any) => [s.dockerReference, s.pushed])).toEqual([
      ["ghcr.io/nine-minds/alga-appliance-config", true],
      ["ghcr.io/nine-minds/alga-appliance-release", true],
    ]);
    const again = await cli("sign", ["--release", "1.0-rc5", "--key", "keys/cosign.key", ...layout, "--identity", "ghcr.io/nine-minds", "--signature-format", "classic", "--json"]);
    expect(JSON.parse(again.stdout).signatures.map((s: any) => s.pushed)).toEqual([false, false]);

    expect((await cli("verify", ["--release", "1.0-rc5", "--key", "keys/cosign.pub", ...layout, "--identity", "ghcr.io/nine-minds"])).code).toBe(0);
    const elsewhere = await cli("verify", ["--release", "1.0-rc5", "--key", "keys/cosign.pub", ...layout, "--identity", "mirror.local/alga"]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/names repository ghcr\.io\/nine-minds\/alga-appliance-release, not mirror\.local\/alga\/alga-appliance-release/);

    const bundled = await cli("sign", ["--release", "1.0-rc5", "--key", "keys/cosign.key", ...layout, "--identity", "ghcr.io/nine-minds", "--signature-format", "bundle", "--json"]);
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(JSON.parse(bundled.stdout).signatures.map((s: any) => [s.format, s.pushed])).toEqual([
      ["bundle", true],
      ["bundle", true],
    ]);
    const both = await cli("verify", ["--release", "1.0-rc5", "--key", "keys/cosign.pub", ...layout, "--identity", "ghcr.io/nine-minds", "--json"]);
    expect(JSON.parse(both.stdout).release.formats).toEqual(["classic", "bundle"]);
  });
});
