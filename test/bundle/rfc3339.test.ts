import { describe, expect, it } from "vitest";
import { rfc3339 } from "../../src/bundle/config-bundle.js";

/** What rfc3339 returned before it stopped using Date (and still returns outside whole seconds 1970–9999). */
const viaDate = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");

describe("rfc3339 (the bundle's created annotation)", () => {
  it("gives Date's text for the epoch, leap days, century years and the last second of 9999", () => {
    const edges = [0, 59, 86_399, 86_400, 951_782_400, 951_868_799, 1_709_164_800, 4_107_456_000, 4_107_542_400, 253_402_300_799];
    for (const seconds of edges) expect(rfc3339(seconds), String(seconds)).toBe(viaDate(seconds));
    expect(rfc3339(951_782_400)).toBe("2000-02-29T00:00:00Z");
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
  });

  it("gives Date's text for every day's first and last second from 1970 to 2200, and at odd times", () => {
    for (let days = 0; days < 84_000; days++) {
      expect(rfc3339(days * 86_400)).toBe(viaDate(days * 86_400));
      expect(rfc3339(days * 86_400 + 86_399)).toBe(viaDate(days * 86_400 + 86_399));
    }
    for (let seconds = 1; seconds < 4_000_000_000; seconds += 7_777_777) expect(rfc3339(seconds)).toBe(viaDate(seconds));
  });

  it("falls back to Date for values outside whole seconds of 1970–9999", () => {
    for (const seconds of [-1, 1.5, 253_402_300_800]) expect(rfc3339(seconds)).toBe(viaDate(seconds));
  });
});
