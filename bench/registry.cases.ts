import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import type { ProcessCase } from "./measure.js";
import { commandCase, ROOT } from "./start-up.cases.js";

export const BENCH_RELEASE = "1.0-rc5";

/** skopeo when it is installed (the pull and publish pairs are skipped without it). */
export function findSkopeo(): string | undefined {
  const found = spawnSync("skopeo", ["--version"], { stdio: "ignore" });
  return found.status === 0 ? "skopeo" : undefined;
}

function skopeoCopy(id: string, label: string, skopeo: string, from: (round: number) => string, to: (round: number) => string): ProcessCase {
  // The registry is plain HTTP on 127.0.0.1; the policy flag skips /etc/containers/policy.json, as pull has no signature policy either.
  return { id, label, command: skopeo, args: (round) => ["copy", "--quiet", "--insecure-policy", "--src-tls-verify=false", "--dest-tls-verify=false", from(round), to(round)] };
}

/**
 * Pull of the release by channel beside skopeo copying the same two artifacts into OCI layouts,
 * and a cold publish (fresh namespace each round) beside skopeo copying the two staged layouts up.
 * `dist` holds synth output; `registryHost` is a local docker-registry with the release published
 * under `bench/` and channel `stable`.
 */
export function registryCases(work: string, dist: string, registryHost: string, skopeo: string): ProcessCase[] {
  const ns = `${registryHost}/bench`;
  const staged = join(dist, BENCH_RELEASE, "oci");
  return [
    commandCase("pull", "pull --channel stable", "pull", (round) => ["--registry", ns, "--plain-http", "--channel", "stable", "--out", join(work, `pull-${round}`)]),
    skopeoCopy("skopeo-pull-release", "skopeo copy release artifact to OCI layout", skopeo, () => `docker://${ns}/alga-appliance-release:stable`, (round) => `oci:${join(work, `skopeo-pull-${round}-release`)}:stable`),
    skopeoCopy("skopeo-pull-config", "skopeo copy config bundle to OCI layout", skopeo, () => `docker://${ns}/alga-appliance-config:${BENCH_RELEASE}`, (round) => `oci:${join(work, `skopeo-pull-${round}-config`)}:${BENCH_RELEASE}`),
    commandCase("publish", "cold publish of one release (fresh namespace)", "publish", (round) => ["--release", BENCH_RELEASE, "--dist", dist, "--registry", `${registryHost}/cold-${round}`, "--plain-http", "--skip-preflight"]),
    skopeoCopy("skopeo-push-config", "skopeo copy staged config bundle to registry", skopeo, () => `oci:${join(staged, "alga-appliance-config")}:${BENCH_RELEASE}`, (round) => `docker://${registryHost}/skopeo-cold-${round}/alga-appliance-config:${BENCH_RELEASE}`),
    skopeoCopy("skopeo-push-release", "skopeo copy staged release artifact to registry", skopeo, () => `oci:${join(staged, "alga-appliance-release")}:${BENCH_RELEASE}`, (round) => `docker://${registryHost}/skopeo-cold-${round}/alga-appliance-release:${BENCH_RELEASE}`),
  ];
}

/**
 * Renders the shipped releases and publishes the bench release under `<registry>/bench` with channel
 * `stable`. The bench release is not pinned by digest and its images live on registries this machine
 * cannot reach: publishing skips the preflight (skopeo checks no references either) and allows the
 * unpinned channel.
 */
export async function prepareRegistry(dist: string, registryHost: string): Promise<void> {
  // Asynchronous: the registry is a child of this process and stalls if its log pipe is not read.
  const command = (...args: string[]) => promisify(execFile)(process.execPath, [join(ROOT, "bin", "command.cjs"), ...args], { cwd: ROOT });
  await command("synth", "--out", dist);
  await command("publish", "--release", BENCH_RELEASE, "--dist", dist, "--registry", `${registryHost}/bench`, "--plain-http", "--channel", "stable", "--skip-preflight", "--allow-unpinned");
}
