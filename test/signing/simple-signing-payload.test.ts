import { describe, expect, it } from "vitest";
import { parseSimpleSigningPayload, simpleSigningPayload } from "../../src/signing/simple-signing-payload.js";

describe("the simple-signing payload", () => {
  it("is byte for byte what cosign signs (Go json.Marshal of SimpleContainerImage, no optional annotations)", () => {
    const digest = "sha256:4b2a1f6e3c0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b";
    const bytes = simpleSigningPayload({ dockerReference: "registry.example.com:5000/alga/alga-appliance-config", digest });
    // Fixture written out from the format's rules, not from our code: field order critical, optional;
    // identity, image, type; no spaces, no trailing newline; optional is null.
    expect(Buffer.from(bytes).toString("utf8")).toBe(
      '{"critical":{"identity":{"docker-reference":"registry.example.com:5000/alga/alga-appliance-config"},"image":{"docker-manifest-digest":"sha256:4b2a1f6e3c0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b"},"type":"cosign container image signature"},"optional":null}',
    );
    expect(parseSimpleSigningPayload(bytes)).toEqual({ dockerReference: "registry.example.com:5000/alga/alga-appliance-config", digest });
  });

  it("refuses payloads that are not cosign image signatures", () => {
    expect(() => parseSimpleSigningPayload(new TextEncoder().encode("nope"))).toThrow(/not JSON/);
    expect(() => parseSimpleSigningPayload(new TextEncoder().encode('{"critical":{"type":"atomic container signature"}}'))).toThrow(/not a "cosign container image signature"/);
    expect(() => parseSimpleSigningPayload(new TextEncoder().encode('{"critical":{"type":"cosign container image signature","identity":{}}}'))).toThrow(/lacks critical\.identity/);
  });
});
