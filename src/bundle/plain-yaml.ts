import { Document, stringify } from "yaml";
import { stringifyString } from "yaml/util";

/**
 * YAML text of a JSON-like value, byte for byte what the pinned `yaml` package's
 * `stringify(value, { aliasDuplicateObjects: false, lineWidth: 0, indent: 2 })` writes, at a
 * fraction of its cost: `stringify` builds a node tree of the whole value (a Document, a Pair and a
 * Scalar per field) and copies a context object at every level before writing it; rendering the
 * shipped releases spent about a third of synth's own time there.
 *
 * Only the layout of block mappings and sequences is written here, following yaml's
 * stringifyDocument, stringifyCollection and stringifyPair for nodes without comments, anchors or
 * tags (all of them, for a value that did not come from a parsed document). Every string, key or
 * value, goes through yaml's own `stringifyString` (exported by `yaml/util`) with the context yaml
 * would give it, so quoting, escaping and block scalars are yaml's decisions. Numbers, booleans and
 * null are written as yaml's core-schema tags write them.
 *
 * Anything else (undefined in an array, a number that is not finite, Maps, class instances, objects
 * with toJSON, keys longer than 1024 characters, a scalar at the top) is handed to yaml's
 * `stringify` whole. test/bundle/plain-yaml.test.ts holds both writers to the same bytes.
 */
export function stringifyPlainYaml(value: unknown): string {
  if (isPlainObject(value) || Array.isArray(value)) {
    try {
      return `${block(value, "")}\n`;
    } catch (error) {
      if (!(error instanceof NotPlain)) throw error;
    }
  }
  return stringify(value, YAML_OPTIONS);
}

/** The options synth writes YAML with: no anchors or aliases, no line folding. */
const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0, indent: 2 } as const;

/** Thrown inside the writer for a value it leaves to yaml. */
class NotPlain extends Error {}

/**
 * What yaml's createStringifyContext makes of YAML_OPTIONS (its defaults, then the options), the
 * fields stringifyString and the core scalar tags read (comments are never written here). `doc` lends the core schema, whose tags decide which plain
 * strings would read back as another type (`"true"`, `"1.0"`, `""`) and so are quoted.
 */
const STRING_OPTIONS = {
  blockQuote: true,
  defaultKeyType: null,
  defaultStringType: "PLAIN",
  doubleQuotedAsJSON: false,
  doubleQuotedMinMultiLineLength: 40,
  lineWidth: YAML_OPTIONS.lineWidth,
  minContentWidth: 20,
  singleQuote: null,
  trueStr: "true",
  falseStr: "false",
  nullStr: "null",
};
const STEP = " ".repeat(YAML_OPTIONS.indent);
let schemaDocument: Document | undefined;

/**
 * Strings already written, by place (key or value) and indent, then string: rendered objects repeat
 * their keys (`name`, `apiVersion`) and many values, and yaml's answer for one never changes. Emptied
 * when it holds MAX_WRITTEN strings, so a long-lived process does not grow with it.
 */
const written = new Map<string, Map<string, string>>();
let writtenCount = 0;
const MAX_WRITTEN = 20_000;

/** A string as yaml writes it at `indent`: as a mapping key (`implicitKey`) or as a value. */
function scalarString(value: string, indent: string, implicitKey: boolean): string {
  const place = implicitKey ? `k${indent}` : `v${indent}`;
  let known = written.get(place);
  const text = known?.get(value);
  if (text !== undefined) return text;
  if (writtenCount >= MAX_WRITTEN) {
    written.clear();
    writtenCount = 0;
    known = undefined;
  }
  if (!known) written.set(place, (known = new Map()));
  const fresh = yamlString(value, indent, implicitKey);
  known.set(value, fresh);
  writtenCount++;
  return fresh;
}

function yamlString(value: string, indent: string, implicitKey: boolean): string {
  schemaDocument ??= new Document(null, YAML_OPTIONS);
  const context = {
    actualString: true,
    doc: schemaDocument,
    implicitKey,
    indent,
    indentStep: STEP,
    inFlow: null,
    options: STRING_OPTIONS,
  };
  return stringifyString({ value } as Parameters<typeof stringifyString>[0], context as unknown as Parameters<typeof stringifyString>[1]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

/** A scalar value as yaml's core schema writes it (the string tag, null, bool, int and float tags). */
function scalar(value: unknown, indent: string): string {
  switch (typeof value) {
    case "string":
      return scalarString(value, indent, false);
    case "boolean":
      return value ? STRING_OPTIONS.trueStr : STRING_OPTIONS.falseStr;
    case "number":
      if (!Number.isFinite(value)) throw new NotPlain();
      return Object.is(value, -0) ? "-0" : JSON.stringify(value);
    default:
      if (value === null) return STRING_OPTIONS.nullStr;
      throw new NotPlain();
  }
}

/** A non-empty mapping or sequence, or `{}`/`[]`, as its block collection at `indent`. */
function block(value: Record<string, unknown> | unknown[], indent: string): string {
  return Array.isArray(value) ? sequence(value, indent) : mapping(value, indent);
}

/** The collection a value is, or undefined for a scalar (anything else is left to yaml). */
function collection(value: unknown): Record<string, unknown> | unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === "object") {
    if (!isPlainObject(value)) throw new NotPlain();
    return value;
  }
  return undefined;
}

/** stringifyBlockCollection of a YAMLMap: one pair per line, lines after the first at `indent`. */
function mapping(value: Record<string, unknown>, indent: string): string {
  let text = "";
  let first = true;
  const inner = indent + STEP;
  for (const key of Object.keys(value)) {
    const item = value[key];
    // yaml drops undefined values (keepUndefined is off).
    if (item === undefined) continue;
    const keyText = scalarString(key, inner, true);
    // yaml writes a longer key as an explicit `? key`.
    if (keyText.length > 1024) throw new NotPlain();
    const nested = collection(item);
    let pair: string;
    if (nested === undefined) {
      // A scalar is never empty here ("" is written quoted) nor starts on the next line (block scalars start with |).
      pair = `${keyText}: ${scalar(item, inner)}`;
    } else if (isEmpty(nested)) {
      pair = `${keyText}: ${Array.isArray(nested) ? "[]" : "{}"}`;
    } else {
      pair = `${keyText}:\n${inner}${block(nested, inner)}`;
    }
    text += first ? pair : `\n${indent}${pair}`;
    first = false;
  }
  return first ? "{}" : text;
}

/** stringifyBlockCollection of a YAMLSeq: `- item` per line, items' own lines two spaces further in. */
function sequence(value: unknown[], indent: string): string {
  if (value.length === 0) return "[]";
  const inner = `${indent}  `;
  let text = "";
  for (let index = 0; index < value.length; index++) {
    const item = value[index];
    // A hole or undefined becomes a null scalar in yaml, written with its own rules.
    if (item === undefined) throw new NotPlain();
    const nested = collection(item);
    const itemText = nested === undefined ? scalar(item, inner) : isEmpty(nested) ? (Array.isArray(nested) ? "[]" : "{}") : block(nested, inner);
    text += index === 0 ? `- ${itemText}` : `\n${indent}- ${itemText}`;
  }
  return text;
}

function isEmpty(value: Record<string, unknown> | unknown[]): boolean {
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) return false;
  return true;
}
