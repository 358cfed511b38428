/**
 * Issue 17, point 7: synth writes YAML with its own block-layout writer (src/bundle/plain-yaml.ts)
 * instead of building yaml's node tree. Its output must be the bytes the pinned yaml package writes,
 * for the rendered releases and for any value, or the published digests would move.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { loadRelease } from "../../src/release/load-release.js";
import { readYamlDocument } from "../../src/release/read-yaml-document.js";
import { composeFluxSource, composeRelease, composeVendor } from "../../src/synth/compose-release.js";
import { stringifyPlainYaml } from "../../src/bundle/plain-yaml.js";
import { RELEASES_DIR, allObjects } from "../support/rendered.js";
import { seededRandom } from "../support/seeded-random.js";

/** What synth wrote with before: yaml's own stringify with synth's options. */
const viaYaml = (value: unknown) => stringify(value, { aliasDuplicateObjects: false, lineWidth: 0, indent: 2 });

/** Strings yaml quotes, escapes, writes as block scalars or leaves plain, each for its own reason. */
const TRICKY_STRINGS = [
  "",
  " ",
  "plain",
  "two words",
  "true",
  "False",
  "yes",
  "null",
  "~",
  "NULL",
  "0",
  "-1",
  "1.0",
  "1e3",
  ".inf",
  "-.Inf",
  ".nan",
  "0x1F",
  "0o17",
  "012",
  "+12",
  "1_000",
  "2026-12-06",
  "12:30",
  "a: b",
  "a:b",
  "key:",
  "- item",
  "-",
  "?",
  "? x",
  "#comment",
  "a #b",
  "a#b",
  "&anchor",
  "*alias",
  "!tag",
  "|",
  ">",
  "'single'",
  '"double"',
  "it's",
  'say "hi"',
  "both ' and \"",
  "%YAML",
  "---",
  "--- x",
  "...",
  "a\n---\nb",
  "[flow]",
  "{flow}",
  "a, b",
  "@at",
  "`tick",
  "trailing ",
  " leading",
  "tab\there",
  "line\n",
  "line\nline",
  "line\n\n",
  "\nleading newline",
  "  indented\nblock",
  "trailing space \nnext",
  "next\n  indented",
  "ends in spaces\n  ",
  "\n",
  "\n\n",
  "control \u0001 char",
  "bell\u0007",
  "nul\u0000",
  "del\u007f",
  "nbsp\u00a0here",
  "crlf\r\nline",
  "next line \u0085 char",
  "\ufeffbom",
  "\tleading tab",
  "a\n\n\nb",
  "%",
  ":",
  "a:",
  "{",
  "]",
  "line sep\u2028",
  "emoji 🚀",
  "lone \ud800 surrogate",
  "ünïcödé",
  "x".repeat(1100),
  `${"long line ".repeat(30)}\n${"more ".repeat(40)}`,
  "echo $HOME && exit 0\n",
  "#!/bin/sh\nset -eu\nexec \"$@\"\n",
  "https://example.com/path?query=1#frag",
  "ghcr.io/alga/app:1.0@sha256:0123456789abcdef",
];

const TRICKY_NUMBERS = [0, -0, 1, -1, 42, 1.5, -2.25, 0.1, 1e21, 1e-7, 2 ** 53, Number.MAX_SAFE_INTEGER, 123456789.123];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
  const roll = next();
  if (depth > 0 && roll < 0.25) {
    const length = Math.floor(next() * 4);
    return Array.from({ length }, () => randomValue(next, depth - 1));
  }
  if (depth > 0 && roll < 0.55) {
    const object: Record<string, unknown> = {};
    const length = Math.floor(next() * 5);
    for (let index = 0; index < length; index++) object[next() < 0.7 ? pick(TRICKY_STRINGS) : `k${index}`] = randomValue(next, depth - 1);
    if (next() < 0.1) object["dropped"] = undefined;
    return object;
  }
  if (roll < 0.75) return pick(TRICKY_STRINGS);
  if (roll < 0.85) return pick(TRICKY_NUMBERS);
  if (roll < 0.93) return next() < 0.5;
  return null;
}

describe("stringifyPlainYaml", () => {
  it("writes every object of every shipped release as yaml does", () => {
    const releases = readdirSync(RELEASES_DIR).filter((name) => /^[0-9].*\.yaml$/.test(name) && !name.includes(".lock."));
    expect(releases.length).toBeGreaterThanOrEqual(3);
    let compared = 0;
    for (const name of releases) {
      const { definition, profile } = loadRelease(join(RELEASES_DIR, name));
      const objects = [
        ...allObjects(composeRelease(definition, profile)),
        ...allObjects(composeFluxSource(definition, `sha256:${"0".repeat(64)}`)),
      ];
      for (const object of objects) {
        expect(stringifyPlainYaml(object), `${name}: ${object.kind} ${object.metadata?.name}`).toBe(viaYaml(object));
        compared++;
      }
    }
    const vendor = readYamlDocument(join(RELEASES_DIR, "vendor", "license-service.yaml"), LicenseServiceDefinition, "license service definition");
    for (const object of allObjects(composeVendor(vendor))) {
      expect(stringifyPlainYaml(object)).toBe(viaYaml(object));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("writes each tricky string as a key, a value and a sequence item, at every depth, as yaml does", () => {
    for (const text of TRICKY_STRINGS) {
      const values = [
        { [text]: text },
        { a: { [text]: [text, { [text]: text }] } },
        [text, [text], { b: text }],
        { list: [[text, { c: [text] }]] },
      ];
      for (const value of values) expect(stringifyPlainYaml(value), JSON.stringify(value)).toBe(viaYaml(value));
    }
  });

  it("writes numbers, booleans, null and empty collections as yaml does", () => {
    const value = { numbers: TRICKY_NUMBERS, flags: [true, false], nothing: null, empty: {}, none: [], nested: [{}, [], { e: {} }, [[]]], skipped: undefined };
    expect(stringifyPlainYaml(value)).toBe(viaYaml(value));
    expect(stringifyPlainYaml({})).toBe(viaYaml({}));
    expect(stringifyPlainYaml([])).toBe(viaYaml([]));
  });

  it("leaves what it does not write itself to yaml, with the same result", () => {
    class Port {
      constructor(readonly number: number) {}
    }
    const cases: unknown[] = [
      "top-level string",
      42,
      null,
      [1, undefined, 3],
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { value: Number.NaN, inf: Number.POSITIVE_INFINITY },
      { at: new Date(0) },
      { port: new Port(80) },
      { map: new Map([["a", 1]]) },
      { json: { toJSON: () => "custom" } },
      { ["k".repeat(1030)]: "long key" },
      { nested: { deeper: [{ set: new Set([1, 2]) }] } },
      Object.assign(Object.create(null) as object, { bare: "object" }),
    ];
    for (const value of cases) expect(stringifyPlainYaml(value)).toBe(viaYaml(value));
  });

  it("writes a value the same before and after 25,000 other strings went through its memory of written strings", () => {
    // Tricky strings at several depths, then more strings than it keeps (it empties its memory at
    // 20,000), then the first value again: the same bytes, and yaml's.
    const tricky = { "on": "a\nb", nested: { "- x": ["'q'", "a\nb", "#c"], "a\nb": "on" } };
    const first = stringifyPlainYaml(tricky);
    const many = Object.fromEntries(Array.from({ length: 25_000 }, (_, index) => [`key-${index}`, `value ${index}: x`]));
    expect(stringifyPlainYaml(many)).toBe(viaYaml(many));
    expect(stringifyPlainYaml(tricky)).toBe(first);
    expect(first).toBe(viaYaml(tricky));
  });

  it("writes 3000 random nested values as yaml does", () => {
    const next = seededRandom(17);
    for (let index = 0; index < 3000; index++) {
      const value = next() < 0.8 ? randomValue(next, 5) : [randomValue(next, 4)];
      expect(stringifyPlainYaml(value), JSON.stringify(value)).toBe(viaYaml(value));
    }
  });
});
