import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSecretVariable, LicenseServiceDefinition, LicenseServiceEnvironment, type LicenseServiceVariable } from "../../schemas/license-service.js";
import { environmentSources } from "../../constructs/license-service.js";
import { composeVendor } from "../../src/synth/compose-release.js";
import { readYamlDocument } from "../../src/release/read-yaml-document.js";
import { findObject, fileOf, RELEASES_DIR } from "../support/rendered.js";

const definition = readYamlDocument(join(RELEASES_DIR, "vendor", "license-service.yaml"), LicenseServiceDefinition, "license service definition");
const files = composeVendor(definition);

describe("license service", () => {
  const deployment = findObject(files, "Deployment", "alga-license");
  const container = deployment.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((variable: any) => [variable.name, variable]));

  it("renders every variable of the environment contract", () => {
    expect(Object.keys(env).sort()).toEqual(Object.keys(LicenseServiceEnvironment.shape).sort());
  });

  it("reads every credential from a Secret and never as a literal", () => {
    const secrets = (Object.keys(LicenseServiceEnvironment.shape) as LicenseServiceVariable[]).filter(isSecretVariable);
    expect(secrets.sort()).toEqual(["DB_PASSWORD_APP", "LICENSE_SIGNING_KEY", "OBJECT_STORE_ACCESS_KEY", "OBJECT_STORE_SECRET_KEY"]);
    for (const name of secrets) {
      expect(env[name].value).toBeUndefined();
      expect(env[name].valueFrom.secretKeyRef).toEqual(expect.objectContaining({ name: expect.any(String), key: expect.any(String) }));
    }
    expect(env["OBJECT_STORE_SECRET_KEY"].valueFrom.secretKeyRef).toEqual({ name: "alga-license-object-store", key: "secret-key" });
  });

  it("passes the object-store settings and the ISO key as values", () => {
    expect(env["OBJECT_STORE_ENDPOINT"].value).toBe("https://objects.nineminds.com");
    expect(env["OBJECT_STORE_REGION"].value).toBe("us-east-1");
    expect(env["OBJECT_STORE_BUCKET"].value).toBe("alga-appliance-downloads");
    expect(env["APPLIANCE_ISO_KEY"].value).toBe("appliance/current/alga-appliance.iso");
  });

  it("defaults APPLIANCE_ISO_KEY to appliance/current/alga-appliance.iso", () => {
    const { applianceIsoKey: _omitted, ...rest } = definition;
    const parsed = LicenseServiceDefinition.parse(rest);
    expect(environmentSources(parsed).APPLIANCE_ISO_KEY).toEqual({ value: "appliance/current/alga-appliance.iso" });
  });

  it("runs non-root with probes, behind a Service named alga-license", () => {
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/healthz");
    const service = findObject(files, "Service", "alga-license");
    expect(service.spec.ports).toEqual([{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(fileOf(files, "vendor/license-service/kustomization.yaml").objects[0]).toMatchObject({
      resources: ["deployment.yaml", "namespace.yaml", "service.yaml"],
    });
  });

  it("refuses an object-store endpoint that breaks the contract", () => {
    expect(() => environmentSources({ ...definition, objectStore: { ...definition.objectStore, endpoint: "not a url" } })).toThrow(/OBJECT_STORE_ENDPOINT/);
  });
});
