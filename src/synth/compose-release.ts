import type { Construct } from "constructs";
import { COMPONENT_NAMES, type ComponentName } from "../../schemas/components.js";
import type { ReleaseDefinition } from "../../schemas/release.js";
import type { ValuesProfile } from "../../schemas/profile.js";
import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { APPLIANCE_NAME, FLUX_NAMESPACE, LOCAL_REGISTRY_NAMESPACE } from "../../schemas/names.js";
import { ApplianceNamespace } from "../../constructs/namespace.js";
import { FluxTier } from "../../constructs/flux-tier.js";
import { OciChartSource } from "../../constructs/oci-chart-source.js";
import { ApplianceHelmRelease } from "../../constructs/helm-release.js";
import { temporalHardening } from "../../constructs/temporal-hardening.js";
import { ApplianceStatusAccess } from "../../constructs/appliance-status-access.js";
import { CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_POD_SECURITY, ControlPlane } from "../../constructs/control-plane.js";
import { LicenseService } from "../../constructs/license-service.js";
import { StatusService, statusTokenWriteGrant } from "../../constructs/status-service.js";
import { LOCAL_REGISTRY_POD_SECURITY, LocalRegistry } from "../../constructs/local-registry.js";
import { ConfigBundleSource } from "../../constructs/config-bundle-source.js";
import { localChartRepository, localConfigBundleUrl, offlineDistribution } from "./offline-distribution.js";
import { ChartFiles, kustomizeFile, withDirectoryKustomizations } from "./chart-files.js";
import { APPLICATION_NAMESPACES, COMPONENT_CATALOG, TIER_KUSTOMIZATION, TIERS } from "./component-catalog.js";
import { imageValues, mergeValues } from "./helm-values.js";
import type { RenderedFile } from "./rendered-file.js";

/**
 * Pod Security level enforced where Flux and the Helm charts run. Chart workloads (Postgres, Redis,
 * Temporal, the app) are rendered by Helm on the appliance, not by the kit, so the kit cannot prove
 * them restricted; `baseline` is enforced and anything below `restricted` is warned and audited.
 */
const APPLICATION_POD_SECURITY = "baseline";

/** Name of the Flux OCIRepository (in flux-system) that carries the config bundle; setup creates it. */

/** Baked Helm values of a component: profile values with the release's image on top. */
function componentValues(name: ComponentName, release: ReleaseDefinition, profile: ValuesProfile): Record<string, unknown> {
  const placement = COMPONENT_CATALOG[name];
  return mergeValues(profile.values[name] ?? {}, imageValues(release.components[name].image, placement.imageValuesPath));
}

function addComponent(scope: Construct, name: ComponentName, release: ReleaseDefinition, profile: ValuesProfile): void {
  const placement = COMPONENT_CATALOG[name];
  const component = release.components[name];
  // Offline, Flux reads the chart from the local registry, at the path import gives it.
  const offline = offlineDistribution(release);
  const chart = new OciChartSource(scope, "Chart", {
    name: `${name}-chart`,
    namespace: placement.namespace,
    repository: offline ? localChartRepository(release.chartRepository, offline) : release.chartRepository,
    ...(offline ? { insecure: true } : {}),
    chart: component.chart.name,
    version: component.chart.version,
    ...(component.chart.digest ? { digest: component.chart.digest } : {}),
    ...(release.chartVerification ? { verify: release.chartVerification } : {}),
  });
  new ApplianceHelmRelease(scope, "Release", {
    name,
    namespace: placement.namespace,
    chart,
    values: componentValues(name, release, profile),
    siteValues: { optional: placement.siteValuesOptional },
    ...(placement.temporalHardening ? { postRenderers: [temporalHardening()] } : {}),
  });
}

/**
 * The files of one release: `config/` (the Flux tree that becomes the bundle) and
 * `control-plane/` (applied by the host bootstrap). Paths are relative to `dist/<version>/`.
 */
export function composeRelease(release: ReleaseDefinition, profile: ValuesProfile): RenderedFile[] {
  const charts = new ChartFiles();
  const offline = offlineDistribution(release);

  charts.file("config/namespaces.yaml", (scope) => {
    // Namespaces hold the database volume and Flux itself: never let a prune delete them.
    new ApplianceNamespace(scope, FLUX_NAMESPACE, { name: FLUX_NAMESPACE, protectFromPrune: true, podSecurity: APPLICATION_POD_SECURITY });
    for (const name of APPLICATION_NAMESPACES) new ApplianceNamespace(scope, name, { name, protectFromPrune: true, podSecurity: APPLICATION_POD_SECURITY });
  });

  charts.file("config/tiers.yaml", (scope) => {
    const source = { kind: "OCIRepository", name: APPLIANCE_NAME, namespace: FLUX_NAMESPACE } as const;
    let previous: FluxTier | undefined;
    for (const tier of TIERS) {
      previous = new FluxTier(scope, tier, {
        name: TIER_KUSTOMIZATION[tier],
        path: `./${tier}`,
        source,
        ...(previous ? { dependsOn: [previous] } : {}),
      });
    }
  });

  charts.file("config/platform/appliance-status.yaml", (scope) => new ApplianceStatusAccess(scope, "Status"));
  charts.file("config/platform/status-service.yaml", (scope) => new StatusService(scope, "StatusService", { image: release.statusService.image }));

  for (const name of COMPONENT_NAMES) {
    charts.file(`config/${COMPONENT_CATALOG[name].fluxTier}/${name}.yaml`, (scope) => addComponent(scope, name, release, profile));
  }

  charts.file("control-plane/namespaces.yaml", (scope) => {
    new ApplianceNamespace(scope, CONTROL_PLANE_NAMESPACE, { name: CONTROL_PLANE_NAMESPACE, podSecurity: CONTROL_PLANE_POD_SECURITY });
    for (const name of APPLICATION_NAMESPACES) new ApplianceNamespace(scope, name, { name, podSecurity: APPLICATION_POD_SECURITY });
    if (offline) new ApplianceNamespace(scope, LOCAL_REGISTRY_NAMESPACE, { name: LOCAL_REGISTRY_NAMESPACE, podSecurity: LOCAL_REGISTRY_POD_SECURITY });
  });
  // Offline: the local registry comes up with the control plane, before Flux, which reads from it.
  if (offline) {
    const { registry } = offline;
    charts.file("control-plane/local-registry.yaml", (scope) => {
      new LocalRegistry(scope, "LocalRegistry", { image: registry.image, clusterIP: registry.clusterIP, port: registry.port, hostPath: registry.hostPath });
    });
  }
  charts.filesByKind("control-plane", { Deployment: "deployment.yaml", "*": "rbac.yaml" }, (scope) => {
    const controlPlane = new ControlPlane(scope, "ControlPlane", { image: release.controlPlane.image });
    statusTokenWriteGrant(scope, controlPlane.serviceAccount);
  });

  const files = charts.render();
  // The root lists only what it applies itself; each tier directory is applied by its own Kustomization.
  files.push(kustomizeFile("config/kustomization.yaml", ["namespaces.yaml", "tiers.yaml"]));
  return withDirectoryKustomizations("", files, (dir) => dir === "config");
}

/**
 * Offline releases only (else none): `flux/source.yaml`, the config bundle's OCIRepository on the
 * local registry, pinned to `bundleDigest`, and the root Kustomization applying it; the same two
 * objects `pull --registry <local>/<namespace> --plain-http` writes. Plain HTTP: the local registry
 * serves HTTP on a ClusterIP that never leaves the node.
 */
export function composeFluxSource(release: ReleaseDefinition, bundleDigest: string): RenderedFile[] {
  const offline = offlineDistribution(release);
  if (!offline) return [];
  return renderFluxSource({ url: localConfigBundleUrl(offline), digest: bundleDigest, insecure: true });
}

/**
 * `flux/source.yaml` as synth renders it: the config bundle's OCIRepository at `url`, pinned to
 * `digest`, and the root Kustomization applying it. pull writes the same objects without cdk8s
 * (src/distribution/flux-source-document.ts); test/distribution/flux-source-document.test.ts holds
 * the two to the same bytes.
 */
export function renderFluxSource(input: { url: string; digest: string; insecure: boolean }): RenderedFile[] {
  const charts = new ChartFiles();
  charts.file("flux/source.yaml", (scope) => {
    const source = new ConfigBundleSource(scope, "Source", input);
    new FluxTier(scope, "Root", {
      name: APPLIANCE_NAME,
      path: "./",
      source: { kind: "OCIRepository", name: source.name, namespace: source.namespace },
      // The root only creates namespaces and the tier Kustomizations; each tier reports its own readiness.
      wait: false,
      timeout: "5m",
    });
  });
  return charts.render();
}

/** The vendor-side files (`vendor/license-service/`), rendered once for all releases. */
export function composeVendor(licenseService: LicenseServiceDefinition): RenderedFile[] {
  const charts = new ChartFiles();
  charts.file("vendor/license-service/namespace.yaml", (scope) => {
    new ApplianceNamespace(scope, "Namespace", { name: licenseService.namespace });
  });
  charts.filesByKind("vendor/license-service", { Deployment: "deployment.yaml", Service: "service.yaml" }, (scope) => {
    new LicenseService(scope, "LicenseService", { definition: licenseService });
  });
  return withDirectoryKustomizations("vendor", charts.render());
}
