import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PULUMI_PROJECT, readVendorStackConfig, StackConfigError } from "../../src/infra/stack-config.js";

function exampleStack(file: string) {
  const config = parse(readFileSync(file, "utf8")).config as Record<string, unknown>;
  const read = (key: string) => config[`${PULUMI_PROJECT}:${key}`];
  return readVendorStackConfig(read, () => "secret", "example");
}

describe("example stack files", () => {
  it.each(["Pulumi.example-in-cluster.yaml", "Pulumi.example-external.yaml"])("%s is a valid stack configuration", (file) => {
    expect(() => exampleStack(file)).not.toThrow();
  });

  it("describe the same license service as releases/vendor/license-service.yaml", () => {
    const vendor = parse(readFileSync("releases/vendor/license-service.yaml", "utf8"));
    for (const file of ["Pulumi.example-in-cluster.yaml", "Pulumi.example-external.yaml"]) {
      // The stack pins the same build by digest (the release side pins it through its lock).
      const { image, ...rest } = exampleStack(file).licenseService;
      expect(rest, file).toEqual(Object.fromEntries(Object.entries(vendor).filter(([key]) => key !== "image")));
      expect(image.split("@")[0], file).toBe(vendor.image);
    }
  });

  it("report every problem at once, in a StackConfigError", () => {
    let error: unknown;
    try {
      readVendorStackConfig(() => undefined, () => undefined, "prod");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems.map((problem) => problem.split(":")[1])).toEqual(["licenseService", "objectStore"]);
    expect((error as Error).message).toMatch(/^Pulumi\.prod\.yaml: invalid stack configuration/);
  });
});
