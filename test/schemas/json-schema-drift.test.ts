import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderJsonSchemas } from "../../schemas/json-schema.js";

describe("generated JSON Schemas", () => {
  it("match the zod schemas (run npm run schemas and commit when this fails)", () => {
    for (const [file, text] of Object.entries(renderJsonSchemas())) {
      expect(readFileSync(join(import.meta.dirname, "..", "..", "schemas", file), "utf8"), file).toBe(text);
    }
  });

  it("carry the image rules to JSON Schema consumers", () => {
    const release = JSON.parse(renderJsonSchemas()["release.schema.json"]);
    const image = release.properties.controlPlane.properties.image;
    expect(new RegExp(image.pattern, "u").test("ghcr.io/nine-minds/alga-psa-ee:94446747")).toBe(true);
    expect(new RegExp(image.pattern, "u").test("alga-psa-ee:94446747")).toBe(false);
    expect(new RegExp(image.not.pattern, "u").test("ghcr.io/nine-minds/x:latest")).toBe(true);
  });
});
