/**
 * Issue 18, point 5: a release with `distribution: {mode: offline}` renders an appliance that needs
 * no network: a local registry (validated against the upstream schemas, restricted but for its
 * waived hostPath storage), the charts and the config bundle's Flux source on it at the paths
 * `airgap import` gives them, and k3s mirrors of every registry host the lock names. Online
 * releases render exactly what they rendered before.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { ReleaseDefinition } from "../../schemas/release.js";
import { parseArchiveReference } from "../../src/airgap/archive-reference.js";
import { ReferenceRegistries } from "../../src/distribution/reference-registries.js";
import { fluxSourceObjects } from "../../src/distribution/flux-source-document.js";
import { lockRelease, serializeLock } from "../../src/distribution/lock-release.js";
import { UserError } from "../../src/errors.js";
import { restrictedPodSecurity } from "../../src/policy/restricted-pod-security.js";
import { loadRelease } from "../../src/release/load-release.js";
import { synthesizeRelease, type SynthesizedRelease } from "../../src/synth/synth-release.js";
import { upstreamSchemaProblems } from "../../src/synth/upstream-schemas.js";
import { validateAutoinstall } from "../../src/iso/autoinstall-schema.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { tempDir } from "../support/temp-dir.js";

const decoder = new TextDecoder();
const OFFLINE_EXAMPLE = join(RELEASES_DIR, "1.0.0-offline.yaml");
const REGISTRY_WAIVER_OBJECT = "Deployment alga-appliance-registry/appliance-registry";

function objectsOf(release: SynthesizedRelease, path: string): any[] {
  const data = release.files.get(path);
  if (!data) throw new Error(`no rendered file ${path}`);
  return parseAllDocuments(decoder.decode(data)).map((document) => document.toJS());
}

function find(objects: any[], kind: string): any {
  const found = objects.filter((object) => object.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
}

/** A checkout's releases/ with the offline example changed by `edit`, locked from its own pins; returns the release file. */
async function offlineCheckout(edit: (release: any) => void = () => {}, file = "1.0.0-offline.yaml"): Promise<string> {
  const releases = join(tempDir("offline-"), "releases");
  mkdirSync(releases, { recursive: true });
  cpSync(join(RELEASES_DIR, "profiles"), join(releases, "profiles"), { recursive: true });
  cpSync(join(RELEASES_DIR, "iso"), join(releases, "iso"), { recursive: true });
  const release = parse(readFileSync(OFFLINE_EXAMPLE, "utf8"));
  // These tests are about distribution: the status image is taken as built elsewhere (pinned), so
  // locking builds no image (test/distribution/kit-built-image.test.ts covers a kit-built one).
  release.statusService = { image: `${release.statusService.image}@sha256:${"c6d7e8f9".repeat(8)}` };
  edit(release);
  const path = join(releases, file);
  writeFileSync(path, stringify(release));
  const { lock } = await lockRelease(loadRelease(path), { registries: new ReferenceRegistries(), offline: true });
  writeFileSync(join(releases, `${release.version}.lock.yaml`), serializeLock(lock, true));
  return path;
}

describe("an offline release", () => {
  const release = synthesizeRelease(OFFLINE_EXAMPLE, 0);

  it("renders a local registry the host bootstrap applies with the control plane: valid upstream objects, on a fixed ClusterIP, restricted but for its hostPath storage", () => {
    const objects = objectsOf(release, "control-plane/local-registry.yaml");
    for (const object of objects) expect(upstreamSchemaProblems(object), `${object.kind}`).toEqual([]);
    expect(parse(decoder.decode(release.files.get("control-plane/kustomization.yaml"))).resources).toContain("local-registry.yaml");

    const service = find(objects, "Service");
    expect(service.metadata).toMatchObject({ name: "appliance-registry", namespace: "alga-appliance-registry" });
    expect(service.spec).toMatchObject({ type: "ClusterIP", clusterIP: "10.43.0.50", ports: [{ port: 5000, targetPort: 5000, protocol: "TCP" }] });

    const deployment = find(objects, "Deployment");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe("docker.io/library/registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e");
    expect(container.imagePullPolicy).toBe("IfNotPresent");
    expect(pod.hostNetwork).not.toBe(true);
    expect(container.ports.every((port: any) => port.hostPort === undefined)).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10002, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    const storage = pod.volumes.find((volume: any) => volume.hostPath);
    expect(storage.hostPath).toEqual({ path: "/var/lib/alga-appliance/registry", type: "Directory" });
    expect(container.volumeMounts).toContainEqual({ name: storage.name, mountPath: "/var/lib/registry" });
    // Its whole configuration from a ConfigMap: the port, the storage, and index validation off for platform-subset archives.
    const config = parse(find(objects, "ConfigMap").data["config.yml"]);
    expect(config).toMatchObject({ http: { addr: ":5000" }, storage: { filesystem: { rootdirectory: "/var/lib/registry" } }, validation: { manifests: { indexes: { platforms: "none" } } } });
    const configVolume = pod.volumes.find((volume: any) => volume.configMap);
    expect(container.volumeMounts).toContainEqual({ name: configVolume.name, mountPath: "/etc/alga-appliance-registry", readOnly: true });
    expect(container.args).toEqual(["/etc/alga-appliance-registry/config.yml"]);
    // The one finding of the restricted level is the storage volume, and the release waives exactly that.
    const findings = restrictedPodSecurity([{ path: "control-plane/local-registry.yaml", objects }], { locked: true });
    expect(findings.map((finding) => finding.field)).toEqual(["spec.template.spec.volumes[0].hostPath"]);
    expect(release.waivers.find((waiver) => waiver.object === REGISTRY_WAIVER_OBJECT)?.covers).toHaveLength(1);

    const policy = find(objects, "NetworkPolicy");
    expect(policy.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "appliance-registry" });
    expect(deployment.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec.egress).toBeUndefined();
    expect(policy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flux-system" } } }], ports: [{ protocol: "TCP", port: 5000 }] }]);

    const namespace = objectsOf(release, "control-plane/namespaces.yaml").find((object) => object.metadata.name === "alga-appliance-registry");
    expect(namespace.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "restricted" });
  });

  it("points Flux's chart sources and the config bundle's source at the local registry, at the paths airgap import gives them, over plain HTTP", () => {
    const lock = parse(readFileSync(join(RELEASES_DIR, "1.0.0-offline.lock.yaml"), "utf8")) as { charts: { reference: string; digest: string }[] };
    const chartSources = [...release.files.keys()].filter((path) => path.startsWith("config/")).flatMap((path) => objectsOf(release, path)).filter((object) => object.kind === "OCIRepository");
    expect(chartSources).toHaveLength(6);
    for (const source of chartSources) {
      expect(source.spec.insecure).toBe(true);
      const locked = lock.charts.find((chart) => chart.digest === source.spec.ref.digest)!;
      // Import's own rule decides where the chart lands: the same repository path, the host dropped.
      const imported = parseArchiveReference(locked.reference.replace(/^oci:\/\//, ""));
      expect(source.spec.url).toBe(`oci://10.43.0.50:5000/${imported.repository}`);
    }
    const flux = objectsOf(release, "flux/source.yaml");
    const expected = fluxSourceObjects({ url: "oci://10.43.0.50:5000/alga/alga-appliance-config", digest: release.bundle.manifest.descriptor.digest, insecure: true });
    // What `pull --registry 10.43.0.50:5000/alga --plain-http` writes, pinned to this release's bundle.
    expect(flux).toEqual(expected);
    expect(release.files.get("iso/overlay/opt/alga-appliance/manifests/flux/source.yaml")).toEqual(release.files.get("flux/source.yaml"));
    expect(release.releaseManifest.configBundle.digest).toBe(release.bundle.manifest.descriptor.digest);
  });

  it("puts k3s's registries.yaml, the local release registry and the registry's storage directory into the ISO", () => {
    const registries = parse(decoder.decode(release.files.get("iso/overlay/etc/rancher/k3s/registries.yaml")));
    expect(registries).toEqual({ mirrors: { "docker.io": { endpoint: ["http://10.43.0.50:5000"] }, "ghcr.io": { endpoint: ["http://10.43.0.50:5000"] } } });
    const env = decoder.decode(release.files.get("iso/overlay/etc/alga-appliance/appliance.env"));
    expect(env).toContain("ALGA_APPLIANCE_RELEASE_REGISTRY=10.43.0.50:5000/alga\n");
    expect(env).toContain("ALGA_APPLIANCE_DISTRIBUTION=offline\n");
    const autoinstall = parse(decoder.decode(release.files.get("iso/user-data"))).autoinstall;
    expect(() => validateAutoinstall(autoinstall, "user-data")).not.toThrow();
    const commands: string[] = autoinstall["late-commands"];
    // After the overlay copy, before anything runs: the registry's directory, owned by its user.
    expect(commands[1]).toBe("install -d -m 0750 -o 10002 -g 10002 /target/var/lib/alga-appliance/registry");
    expect(commands[0]).toContain("tar -C /cdrom/alga-appliance/overlay");
  });

  it("mirrors every registry host the lock names (images and charts; Docker Hub as docker.io; hosts with ports), to the registry's own address", async () => {
    const file = await offlineCheckout((release) => {
      release.components.pgbouncer.image = release.components.pgbouncer.image.replace("ghcr.io/", "quay.io/");
      release.components["email-service"].image = release.components["email-service"].image.replace("ghcr.io/", "registry.example.com:8443/");
      release.components["workflow-worker"].image = release.components["workflow-worker"].image.replace("ghcr.io/nine-minds/", "index.docker.io/ninemindsworker/");
      release.chartRepository = "oci://charts.example.org:9443/nine-minds/charts";
      release.distribution.registry.clusterIP = "10.43.0.77";
      release.distribution.registry.port = 5443;
    });
    const lockHosts = new Set(
      [...(parse(readFileSync(file.replace(/\.yaml$/, ".lock.yaml"), "utf8")).images as { reference: string }[]), ...parse(readFileSync(file.replace(/\.yaml$/, ".lock.yaml"), "utf8")).charts]
        .map((entry: { reference: string }) => entry.reference.replace(/^oci:\/\//, "").split("/")[0]),
    );
    expect([...lockHosts].sort()).toEqual(["charts.example.org:9443", "docker.io", "ghcr.io", "index.docker.io", "quay.io", "registry.example.com:8443"]);
    const rendered = synthesizeRelease(file, 0);
    const registries = parse(decoder.decode(rendered.files.get("iso/overlay/etc/rancher/k3s/registries.yaml")));
    // index.docker.io/x is docker.io/x to containerd, which looks the mirror up by the normalised name.
    expect(Object.keys(registries.mirrors)).toEqual(["charts.example.org:9443", "docker.io", "ghcr.io", "quay.io", "registry.example.com:8443"]);
    for (const mirror of Object.values(registries.mirrors)) expect(mirror).toEqual({ endpoint: ["http://10.43.0.77:5443"] });
    const chart = objectsOf(rendered, "config/core/pgbouncer.yaml").find((object) => object.kind === "OCIRepository");
    expect(chart.spec.url).toBe("oci://10.43.0.77:5443/nine-minds/charts/pgbouncer");
    expect(find(objectsOf(rendered, "control-plane/local-registry.yaml"), "Service").spec).toMatchObject({ clusterIP: "10.43.0.77", ports: [{ port: 5443 }] });
  });

  it("is refused without the waiver of its hostPath storage, naming the file, object, field and policy, and with a stale waiver", async () => {
    const file = await offlineCheckout((release) => {
      release.waivers = release.waivers.filter((waiver: { object: string }) => waiver.object !== REGISTRY_WAIVER_OBJECT);
    });
    expect(() => synthesizeRelease(file, 0)).toThrow(UserError);
    expect(() => synthesizeRelease(file, 0)).toThrow(
      `control-plane/local-registry.yaml: ${REGISTRY_WAIVER_OBJECT}: spec.template.spec.volumes[0].hostPath: volume "storage" is a hostPath volume`,
    );
    expect(() => synthesizeRelease(file, 0)).toThrow("[restricted-pod-security]");
    // The same waiver on an online release covers nothing: it is refused as stale.
    const online = await offlineCheckout((release) => {
      delete release.distribution;
    });
    expect(() => synthesizeRelease(online, 0)).toThrow(`waivers: the waiver of restricted-pod-security for ${REGISTRY_WAIVER_OBJECT} (spec.template.spec.volumes[0].hostPath) matches no violation; remove it`);
  });

  it("refuses two registry hosts whose references would share one repository of the local registry", async () => {
    const file = await offlineCheckout((release) => {
      release.components["workflow-worker"].image = release.components["temporal-worker"].image.replace("ghcr.io/", "quay.io/");
    });
    expect(() => synthesizeRelease(file, 0)).toThrow("ghcr.io/nine-minds/temporal-worker and quay.io/nine-minds/temporal-worker would share one repository (nine-minds/temporal-worker)");
  });

  it("the release schema refuses an unpinned registry image, storage outside the state directory and k3s's own addresses, naming the field", () => {
    const definition = parse(readFileSync(OFFLINE_EXAMPLE, "utf8"));
    const issue = (registry: Record<string, unknown>) => {
      const result = ReleaseDefinition.safeParse({ ...definition, distribution: { mode: "offline", registry: { ...definition.distribution.registry, ...registry } } });
      expect(result.success).toBe(false);
      return { path: result.error!.issues[0]!.path.join("."), message: result.error!.issues[0]!.message };
    };
    expect(issue({ image: "docker.io/library/registry:3.0.0" })).toMatchObject({ path: "distribution.registry.image", message: expect.stringContaining("pinned by digest") });
    expect(issue({ image: `docker.io/library/registry:2.8.3@sha256:${"a".repeat(64)}` })).toMatchObject({ path: "distribution.registry.image", message: expect.stringContaining("use distribution 3") });
    expect(issue({ hostPath: "/srv/registry" })).toMatchObject({ path: "distribution.registry.hostPath", message: expect.stringContaining("below the appliance state directory /var/lib/alga-appliance/") });
    expect(issue({ hostPath: "/var/lib/alga-appliance/../etc" })).toMatchObject({ path: "distribution.registry.hostPath" });
    expect(issue({ clusterIP: "10.43.0.10" })).toMatchObject({ path: "distribution.registry.clusterIP", message: expect.stringContaining("cluster DNS") });
    const noRegistry = ReleaseDefinition.safeParse({ ...definition, distribution: { mode: "offline" } });
    expect(noRegistry.error?.issues[0]?.path).toEqual(["distribution", "registry"]);
    // Defaults: the documented address, port, directory and namespace.
    const parsed = ReleaseDefinition.parse({ ...definition, distribution: { mode: "offline", registry: { image: definition.distribution.registry.image } } });
    expect(parsed.distribution).toEqual({ mode: "offline", registry: { ...definition.distribution.registry } });
  });
});

describe("an online release", () => {
  it("renders the same bytes and digests with distribution: {mode: online} as without it", async () => {
    const dir = join(tempDir("online-"), "releases");
    cpSync(RELEASES_DIR, dir, { recursive: true });
    const file = join(dir, "1.0.0.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}distribution:\n  mode: online\n`);
    const explicit = synthesizeRelease(file, 0);
    const shipped = synthesizeRelease(join(RELEASES_DIR, "1.0.0.yaml"), 0);
    expect(basename(file)).toBe("1.0.0.yaml");
    expect([...explicit.files.keys()]).toEqual([...shipped.files.keys()]);
    for (const [path, data] of shipped.files) expect(decoder.decode(explicit.files.get(path)), path).toBe(decoder.decode(data));
    expect(explicit.bundle.manifest.descriptor.digest).toBe(shipped.bundle.manifest.descriptor.digest);
    expect(explicit.releaseArtifact.manifest.descriptor.digest).toBe(shipped.releaseArtifact.manifest.descriptor.digest);
    expect([...shipped.files.keys()].some((path) => path.includes("registr") || path.startsWith("flux/"))).toBe(false);
  });
});
