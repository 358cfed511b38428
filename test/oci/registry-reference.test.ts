import { describe, expect, it } from "vitest";
import {
  assertManifestReference,
  assertRegistryHost,
  assertRepositoryName,
  assertTag,
  isValidRepositoryName,
  isValidTag,
  joinRepositoryName,
  parseRegistryTarget,
  parseRepositoryReference,
} from "../../src/oci/registry-reference.js";

describe("parseRegistryTarget", () => {
  it("splits host[:port] from the namespace", () => {
    expect(parseRegistryTarget("registry.example.com:5000/alga/appliance")).toEqual({
      registry: "registry.example.com:5000",
      namespace: "alga/appliance",
    });
    expect(parseRegistryTarget("127.0.0.1:5000")).toEqual({ registry: "127.0.0.1:5000", namespace: "" });
    expect(parseRegistryTarget("localhost/alga/")).toEqual({ registry: "localhost", namespace: "alga" });
    expect(parseRegistryTarget("[::1]:5000/x")).toEqual({ registry: "[::1]:5000", namespace: "x" });
  });

  it("explains what is wrong", () => {
    expect(() => parseRegistryTarget("https://registry.example.com/alga")).toThrow(/must not contain a URL scheme.*--plain-http/);
    expect(() => parseRegistryTarget("")).toThrow(/empty/);
    expect(() => parseRegistryTarget("registry.example.com/Alga")).toThrow(/uppercase letters are not allowed/);
    expect(() => parseRegistryTarget("registry.example.com//alga")).toThrow(/empty path component/);
    expect(() => parseRegistryTarget("host:99999/x")).toThrow(/port 99999 is out of range/);
    expect(() => parseRegistryTarget("bad_host!/x")).toThrow(/invalid registry host/);
    expect(() => parseRegistryTarget(`r.io/${"a".repeat(260)}`)).toThrow(/limit is 255|longer than 255/);
  });
});

describe("parseRepositoryReference", () => {
  const digest = `sha256:${"a".repeat(64)}`;

  it("reads tags and digests without mistaking the port for a tag", () => {
    expect(parseRepositoryReference("reg:5000/alga/app")).toEqual({ registry: "reg:5000", repository: "alga/app" });
    expect(parseRepositoryReference("reg:5000/alga/app:1.2.3")).toEqual({ registry: "reg:5000", repository: "alga/app", tag: "1.2.3" });
    expect(parseRepositoryReference(`reg/app:v1@${digest}`)).toEqual({ registry: "reg", repository: "app", tag: "v1", digest });
  });

  it("refuses a reference without a repository, a bad tag or a bad digest", () => {
    expect(() => parseRepositoryReference("reg:5000")).toThrow(/names a registry but no repository/);
    expect(() => parseRepositoryReference("reg/app:-x")).toThrow(/invalid tag "-x"/);
    expect(() => parseRepositoryReference("reg/app@nope")).toThrow(/is not a digest/);
  });
});

describe("names and tags", () => {
  it("accepts the distribution grammar for repository names", () => {
    for (const name of ["a", "alga/alga-appliance-config", "a.b_c__d---e/f0", "x/y/z"]) expect(isValidRepositoryName(name)).toBe(true);
    for (const name of ["", "A", "a_", "-a", "a/", "a//b", "a___b", "a:b", "a b"]) expect(isValidRepositoryName(name)).toBe(false);
  });

  it("accepts tags of [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}", () => {
    for (const tag of ["latest", "1.2.3", "_x", "V1-rc.1", "a".repeat(128)]) expect(isValidTag(tag)).toBe(true);
    for (const tag of ["", ".x", "-x", "a+b", "a/b", "a".repeat(129)]) expect(isValidTag(tag)).toBe(false);
  });

  it("gives a reason for each bad tag", () => {
    expect(() => assertTag("")).toThrow(/it is empty/);
    expect(() => assertTag("a".repeat(129))).toThrow(/129 characters long/);
    expect(() => assertTag(".hidden")).toThrow(/must not start with/);
    expect(() => assertTag("a+b")).toThrow(/only letters, digits/);
  });

  it("validates manifest references, hosts and joined names", () => {
    expect(assertManifestReference("v1")).toBe("v1");
    expect(assertManifestReference(`sha256:${"0".repeat(64)}`)).toBe(`sha256:${"0".repeat(64)}`);
    expect(() => assertManifestReference("no way")).toThrow(/expected a tag/);
    expect(() => assertRegistryHost("http://x")).toThrow(/without a URL scheme/);
    expect(joinRepositoryName("alga", "config")).toBe("alga/config");
    expect(joinRepositoryName("", "config")).toBe("config");
    expect(() => assertRepositoryName("")).toThrow(/empty/);
  });
});
