/**
 * Issue 15 point 1: signed channel statements stop a registry writer from rolling a channel back
 * or freezing it. Real processes against a real registry; time comes from ARK_NOW, never a sleep.
 * The attacker writes to the registry directly (re-tags), as anyone with push access could.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAcceptedStatement, readChannelState } from "../../src/distribution/channel-state.js";
import { planStatement, writeStatement } from "../../src/distribution/channel-statements.js";
import { releaseSigner } from "../../src/distribution/release-signatures.js";
import { openReleaseStore, type ReleaseStore } from "../../src/distribution/release-store.js";
import { generateSigningKey, publicKeyPem } from "../../src/signing/signing-keys.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli, type CliResult } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 240000 });

let registry: RunningRegistry;
let dist: string;
const keys = tempDir("ark-keys-");
const vendor = generateSigningKey();
writeFileSync(join(keys, "vendor.key"), vendor.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
writeFileSync(join(keys, "vendor.pub"), publicKeyPem(vendor.publicKey));
const stranger = generateSigningKey();
writeFileSync(join(keys, "stranger.key"), stranger.privateKey.export({ type: "pkcs8", format: "pem" }) as string);

beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist()]);
});
afterAll(async () => {
  await registry?.stop();
});

const DAY = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (days: number) => ({ ARK_NOW: new Date(T0 + days * DAY).toISOString().replace(/\.000Z$/, "Z"), SIGNING_KEY_FILE: "" });

function scenario(name: string) {
  const target = ["--registry", `${registry.host}/${name}`, "--plain-http"];
  const store = openReleaseStore({ registry: `${registry.host}/${name}`, plainHttp: true });
  const out = join(tempDir(), "appliance");
  const publish = (version: string, days: number, extra: string[] = []) =>
    runCli("publish", ["--dist", dist, "--release", version, "--channel", "stable", ...target, "--skip-preflight", "--allow-unpinned", "--sign-key", join(keys, "vendor.key"), ...extra], { env: at(days) });
  const promote = (version: string, days: number, extra: string[] = []) =>
    runCli("promote", ["--channel", "stable", "--release", version, ...target, "--allow-unpinned", "--sign-key", join(keys, "vendor.key"), ...extra], { env: at(days) });
  const pull = (days: number, extra: string[] = []) =>
    runCli("pull", ["--channel", "stable", ...target, "--out", out, "--replace", "--verify-key", join(keys, "vendor.pub"), ...extra], { env: at(days) });
  return { target, store, out, publish, promote, pull, stateFile: `${out}.channel-state.json` };
}

function expectOk(result: CliResult): void {
  expect(result.code, result.stderr + result.stdout).toBe(0);
}

/** What anyone with push access can do: point a tag at any manifest already in the repository. */
async function retag(repository: ReleaseStore["release"], tag: string, to: string): Promise<void> {
  const manifest = await repository.fetchManifest(to);
  await repository.pushManifest(manifest.bytes, manifest.descriptor.mediaType, tag);
}

describe("pull --channel --verify-key requires a valid channel statement", () => {
  it("accepts moves forward, and refuses a re-tag to an older signed release, a replayed statement and an expired one", async () => {
    const s = scenario("statements-attacks");
    expectOk(await s.publish("1.0-rc5", 0));
    const first = await s.pull(1);
    expectOk(first);
    expect(first.stdout).toContain("channel stable: signed statement #1");
    expect(readChannelState(s.stateFile).channels["stable"]).toMatchObject({ sequence: 1, version: "1.0-rc5" });

    expectOk(await s.publish("1.0.0", 2));
    expectOk(await s.pull(3));
    expect(readChannelState(s.stateFile).channels["stable"]).toMatchObject({ sequence: 2, version: "1.0.0" });
    const installed = readFileSync(join(s.out, "release-manifest.json"), "utf8");

    // 1. A rollback by a direct registry write: the channel tag re-pointed at the older, validly signed release.
    await retag(s.store.release, "stable", "1.0-rc5");
    const retagged = await s.pull(4);
    expect(retagged.code).toBe(1);
    expect(retagged.stderr).toMatch(/:stable points at 1\.0-rc5 \(sha256:[0-9a-f]{64}\), but the signed statement #2 \(stable -> 1\.0\.0, issued 2026-01-03T00:00:00Z\) says release 1\.0\.0/);
    expect(retagged.stderr).toContain("the channel tag was moved without a statement");
    expect(readFileSync(join(s.out, "release-manifest.json"), "utf8")).toBe(installed);

    // 2. A replayed older statement: the statement tag re-pointed at statement #1, which matches the re-tagged release and is still valid.
    await retag(s.store.statements, "stable", "1-stable");
    const replayed = await s.pull(4);
    expect(replayed.code).toBe(1);
    expect(replayed.stderr).toMatch(/the signed statement #1 \(stable -> 1\.0-rc5, issued 2026-01-01T00:00:00Z\) is older than the last accepted 1\.0\.0 \(statement #2, issued 2026-01-03T00:00:00Z\): a replayed statement/);
    expect(replayed.stderr).toContain("Pull from the vendor's registry");
    expect(readChannelState(s.stateFile).channels["stable"]).toMatchObject({ sequence: 2, version: "1.0.0" });

    // 3. A freeze: everything put back as the vendor left it, but never renewed; 30 days later the statement has expired.
    await retag(s.store.statements, "stable", "2-stable");
    await retag(s.store.release, "stable", "1.0.0");
    expectOk(await s.pull(31));
    const frozen = await s.pull(33);
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toMatch(/the signed statement #2 \(stable -> 1\.0\.0, issued 2026-01-03T00:00:00Z\) expired at 2026-02-02T00:00:00Z \(now 2026-02-03T00:00:00Z\); this appliance runs the last accepted 1\.0\.0/);
    expect(frozen.stderr).toContain("promote again");
    // A fresh appliance (no state) is refused the expired statement too.
    const fresh = await s.pull(33, ["--state", join(tempDir(), "fresh.json")]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain("expired at 2026-02-02T00:00:00Z");

    // Renewal: promote of the same release writes #3 with a new expiry, and the appliance accepts it.
    const renewed = await s.promote("1.0.0", 33);
    expectOk(renewed);
    expect(renewed.stdout).toMatch(/stable already points at 1\.0\.0[\s\S]*statement #3 .* expires 2026-03-05T00:00:00Z, signed \(classic, bundle\)/);
    expectOk(await s.pull(34));
    expect(readChannelState(s.stateFile).channels["stable"]).toMatchObject({ sequence: 3 });
  });

  it("accepts a deliberate vendor rollback (promote --rollback), and refuses one the statement does not mark", async () => {
    const s = scenario("statements-rollback");
    expectOk(await s.publish("1.0-rc5", 0));
    expectOk(await s.publish("1.0.0", 1));
    expectOk(await s.pull(2));

    // The vendor cannot move back by accident.
    const careless = await s.promote("1.0-rc5", 3);
    expect(careless.code).toBe(1);
    expect(careless.stderr).toContain("stable is at 1.0.0 (statement #2); pointing it at 1.0-rc5 moves it back, which appliances refuse unless the statement says so: pass --rollback");
    expect((await s.store.release.resolve("stable"))?.digest).toBe((await s.store.release.resolve("1.0.0"))?.digest);

    // A statement signed by the vendor's key that moves back without saying rollback (only a library call can write one).
    const unmarked = await planStatement(s.store, "stable", "1.0-rc5", true);
    const rc5 = (await s.store.release.resolve("1.0-rc5"))!.digest;
    await retag(s.store.release, "stable", "1.0-rc5");
    await writeStatement(s.store, { ...unmarked, rollback: false }, { version: "1.0-rc5", digest: rc5 }, { now: T0 + 3 * DAY, signer: releaseSigner(s.store, vendor) });
    const downgrade = await s.pull(3);
    expect(downgrade.code).toBe(1);
    expect(downgrade.stderr).toContain("moves stable back from 1.0.0 to 1.0-rc5 without marking it a rollback; refusing the downgrade. If the vendor means it, they promote with --rollback");

    const deliberate = await s.promote("1.0-rc5", 4, ["--rollback"]);
    expectOk(deliberate);
    expect(deliberate.stdout).toMatch(/statement #4 .*rollback, signed/);
    const accepted = await s.pull(4);
    expectOk(accepted);
    expect(accepted.stdout).toContain("a deliberate rollback");
    expect(JSON.parse(readFileSync(join(s.out, "release-manifest.json"), "utf8")).version).toBe("1.0-rc5");
    expect(readChannelState(s.stateFile).channels["stable"]).toMatchObject({ sequence: 4, version: "1.0-rc5", rollback: true });

    // channels shows the history, newest first.
    const listed = await runCli("channels", s.target, { env: at(4) });
    expectOk(listed);
    expect(listed.stdout).toMatch(/stable -> 1\.0-rc5[^\n]*\n\s+statements:\n\s+#4 1\.0-rc5 +issued 2026-01-05T00:00:00Z +expires 2026-02-04T00:00:00Z +rollback\n\s+#3 1\.0-rc5 [^\n]*\n\s+#2 1\.0\.0 [^\n]*\n\s+#1 1\.0-rc5 /);
  });

  it("refuses a channel with no statement, or one signed by another key, and writes nothing", async () => {
    const s = scenario("statements-missing");
    const unsigned = await runCli("publish", ["--dist", dist, "--release", "1.0-rc5", ...s.target, "--skip-preflight", "--allow-unpinned", "--sign-key", join(keys, "vendor.key")], { env: at(0) });
    expectOk(unsigned);
    await retag(s.store.release, "stable", "1.0-rc5");
    const none = await s.pull(0);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no channel statement for stable");
    expect(existsSync(s.out)).toBe(false);
    expect(existsSync(s.stateFile)).toBe(false);

    expectOk(await runCli("promote", ["--channel", "stable", "--release", "1.0-rc5", ...s.target, "--allow-unpinned", "--sign-key", join(keys, "stranger.key")], { env: at(0) }));
    const foreign = await s.pull(0);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/alga-appliance-channels@sha256:[0-9a-f]{64}: no valid signature by the given key/);
    expect(existsSync(s.out)).toBe(false);
  });
});

describe("the channel state file", () => {
  it("only moves forward: a pull that records a lower sequence after a higher one leaves the higher", async () => {
    const file = join(tempDir(), "state.json");
    const entry = (sequence: number, version: string) => ({
      sequence,
      version,
      releaseDigest: `sha256:${"a".repeat(64)}`,
      statementDigest: `sha256:${String(sequence).repeat(64).slice(0, 64)}`,
      issuedAt: "2026-01-01T00:00:00Z",
      expiresAt: "2026-02-01T00:00:00Z",
      rollback: false,
      acceptedAt: "2026-01-01T00:00:00Z",
    });
    await Promise.all([recordAcceptedStatement(file, "stable", entry(5, "1.0.0")), recordAcceptedStatement(file, "nightly", entry(1, "1.0-rc5"))]);
    await recordAcceptedStatement(file, "stable", entry(3, "1.0-rc5"));
    expect(readChannelState(file).channels).toMatchObject({ stable: { sequence: 5, version: "1.0.0" }, nightly: { sequence: 1 } });
    writeFileSync(file, "{not json");
    expect(() => readChannelState(file)).toThrow(/state\.json: the channel state is not JSON; restore it from a backup, or remove it/);
  });
});
