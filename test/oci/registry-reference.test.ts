import { describe, expect, it } from "vitest";
import {
  assertRegistryHost,
  assertRepositoryName,
  assertTag,
  joinRepositoryName,
  parseRegistryTarget,
  REPOSITORY_NAME_PATTERN,
  TAG_PATTERN,
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

describe("names and tags", () => {
  it("accepts the distribution grammar for repository names", () => {
    for (const name of ["a", "alga/alga-appliance-config", "a.b_c__d---e/f0", "x/y/z"]) expect(REPOSITORY_NAME_PATTERN.test(name)).toBe(true);
    for (const name of ["", "A", "a_", "-a", "a/", "a//b", "a___b", "a:b", "a b"]) expect(REPOSITORY_NAME_PATTERN.test(name)).toBe(false);
  });

  it("accepts tags of [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}", () => {
    for (const tag of ["latest", "1.2.3", "_x", "V1-rc.1", "a".repeat(128)]) expect(TAG_PATTERN.test(tag)).toBe(true);
    for (const tag of ["", ".x", "-x", "a+b", "a/b", "a".repeat(129)]) expect(TAG_PATTERN.test(tag)).toBe(false);
  });

  it("gives a reason for each bad tag", () => {
    expect(() => assertTag("")).toThrow(/it is empty/);
    expect(() => assertTag("a".repeat(129))).toThrow(/129 characters long/);
    expect(() => assertTag(".hidden")).toThrow(/must not start with/);
    expect(() => assertTag("a+b")).toThrow(/only letters, digits/);
  });

  it("validates hosts and joined names", () => {
    expect(() => assertRegistryHost("http://x")).toThrow(/without a URL scheme/);
    expect(joinRepositoryName("alga", "config")).toBe("alga/config");
    expect(joinRepositoryName("", "config")).toBe("config");
    expect(() => assertRepositoryName("")).toThrow(/empty/);
  });
});
