import { describe, expect, it } from "vitest";
import { isLoopbackRegistry, registryEndpoint } from "../../src/distribution/reference-registries.js";

describe("registry endpoints of image references", () => {
  it("send Docker Hub references to its API host, official images under library/", () => {
    expect(registryEndpoint("docker.io", "temporalio/server")).toEqual({ host: "registry-1.docker.io", repository: "temporalio/server" });
    expect(registryEndpoint("docker.io", "postgres")).toEqual({ host: "registry-1.docker.io", repository: "library/postgres" });
    expect(registryEndpoint("ghcr.io", "nine-minds/x")).toEqual({ host: "ghcr.io", repository: "nine-minds/x" });
  });

  it("speak plain HTTP to loopback registries only", () => {
    expect([isLoopbackRegistry("127.0.0.1:5000"), isLoopbackRegistry("localhost:5000"), isLoopbackRegistry("ghcr.io"), isLoopbackRegistry("127.example.com")]).toEqual([true, true, false, false]);
  });
});
