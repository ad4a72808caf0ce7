// assertSchema(obj, 'Name'): checks a response body against
// #/components/schemas/Name of OpenAI's API description
// (../shared/openai-openapi.yaml beside the repository, or $NX_OPENAPI_YAML).
//
// The file is OpenAPI 3.1, so its schemas are JSON Schema 2020-12 (Ajv2020)
// plus a few OpenAPI habits that are rewritten first:
//  - `nullable: true` (an OpenAPI 3.0 leftover, ~100 places, some beside a
//    $ref) becomes `type: [T, 'null']` (and null joins any `enum`), or
//    `anyOf: [<the schema>, {type: 'null'}]` when there is no single type;
//  - `example`, `xml`, `externalDocs` and every `x-*` keyword are dropped;
//  - a tagged oneOf/anyOf (every branch an object requiring `type`, or the
//    `discriminator`'s propertyName, with distinct values) is checked by
//    its tag: same verdict, but an error names the fields of the branch the
//    tag picks instead of every branch's complaints (see unionNode);
//  - the OpenAPI formats are defined: unixtime and int64 (integers),
//    double, float and binary (no check beyond the type); uri and date come
//    from ajv-formats;
//  - `#/components/schemas/X` refs become `#/$defs/X`, and each checked
//    schema is compiled with just the definitions it reaches.
// Extra properties pass unless the schema itself closes the object (as
// OpenAI's own SDKs do); a missing required property, a wrong type, a value
// outside an enum fail.
//
// Cost: parsing the 3 MB YAML takes 1-2 s, so the rewritten definitions
// are cached as JSON under tests/clients/node_modules/.cache/ (or
// $NX_SCHEMA_CACHE_DIR) keyed by the file's SHA-256: ~20 ms to load.  Each
// schema is compiled on first use (1-80 ms; Response ~300 ms) and kept for
// the life of the process.  schema.test.mjs measures both.
//
// EXCEPTIONS lists the places where the description is known to be
// stricter than what OpenAI really sends; each is narrow and says why.
// Nothing there may hide a defect of the gateway.
import { AssertionError } from 'node:assert';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../clients/package.json', import.meta.url));

export const specPath = process.env.NX_OPENAPI_YAML ||
  fileURLToPath(new URL('../../../shared/openai-openapi.yaml', import.meta.url));
const cacheDir = process.env.NX_SCHEMA_CACHE_DIR ||
  fileURLToPath(new URL('../clients/node_modules/.cache/nexhina-openapi/', import.meta.url));

// Bump when the rewrite below changes: it is part of the cache key.
const REWRITE_VERSION = 4;

// [schema name, JSON pointer inside it (after the rewrite), replacement
// schema, why].  A pointer that no longer exists fails loudly, so an
// exception cannot outlive the description it corrects.
export const EXCEPTIONS = [
  ['ModelResponseProperties', '/properties/user',
    { type: ['string', 'null'], deprecated: true },
    'Response.user: OpenAI sends "user": null when none was given (every ' +
    'Response example of the description itself has it) while the schema ' +
    'says string; its siblings safety_identifier and prompt_cache_key are ' +
    'already nullable'],
  ['Embedding', '/properties/embedding',
    { anyOf: [{ type: 'array', items: { type: 'number' } },
      { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' }] },
    'Embedding.embedding: with encoding_format "base64" (the request ' +
    'schema allows it, and the official Node SDK asks for it by default) ' +
    'OpenAI sends the vector as a base64 string of little-endian float32s; ' +
    'the schema only knows the float list.  A test that asked for floats ' +
    'still has to check Array.isArray itself'],
];

const MAP_KW = new Set(['properties', 'patternProperties', '$defs',
  'definitions', 'dependentSchemas']);
const ONE_KW = new Set(['additionalProperties', 'items', 'additionalItems',
  'not', 'if', 'then', 'else', 'contains', 'propertyNames',
  'unevaluatedProperties', 'unevaluatedItems']);
const ARR_KW = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const DROP_KW = new Set(['nullable', 'example', 'xml', 'externalDocs']);
const ANNOTATIONS = ['title', 'description', 'deprecated', 'default',
  'readOnly', 'writeOnly', 'examples'];

function addNull(s) {
  const combined = '$ref' in s || 'allOf' in s || 'anyOf' in s ||
    'oneOf' in s || 'const' in s || 'not' in s;
  if (typeof s.type === 'string' && !combined) {
    const r = { ...s, type: [s.type, 'null'] };
    if (Array.isArray(s.enum) && !s.enum.includes(null)) r.enum = [...s.enum, null];
    return r;
  }
  const outer = {};
  const inner = {};
  for (const [k, v] of Object.entries(s)) {
    if (ANNOTATIONS.includes(k)) outer[k] = v;
    else inner[k] = v;
  }
  return { ...outer, anyOf: [inner, { type: 'null' }] };
}

// Applies fn to every schema object in s, innermost first, and returns the
// result.  Only schema positions are walked: property names and
// enum/const/default values are data and stay as they are.
function walk(s, fn) {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (MAP_KW.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([n, sub]) => [n, walk(sub, fn)]));
    } else if (ONE_KW.has(k)) {
      out[k] = Array.isArray(v) ? v.map((x) => walk(x, fn)) : walk(v, fn);
    } else if (ARR_KW.has(k) && Array.isArray(v)) {
      out[k] = v.map((x) => walk(x, fn));
    } else {
      out[k] = v;
    }
  }
  return fn(out);
}

// Pass 1 on one node: OpenAPI keywords to JSON Schema (see the top).
function openapiNode(s) {
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-') || DROP_KW.has(k)) continue;
    if (k === '$ref' && typeof v === 'string') {
      out[k] = v.replace(/^#\/components\/schemas\//, '#/$defs/');
    } else {
      out[k] = v;
    }
  }
  return s.nullable === true ? addNull(out) : out;
}

export function rewrite(s) {
  return walk(s, openapiNode);
}

// Pass 2 on one node: a tagged union becomes a dispatch on its tag.  When
// every branch of a oneOf/anyOf (through $refs; a bare {type: 'null'} may
// stand beside them) is an object that requires the same property `type`
// (or the discriminator's propertyName) with its own distinct string
// values, "exactly one / at least one branch matches" equals "the branch
// named by the tag matches": so only that branch is checked and a failure
// names the fields of that branch instead of listing every branch's
// complaints.  (One difference: a non-object never passes, where a branch
// that forgot `type: object` would have let one through.)  Anything else
// stays as it is.
function unionNode(s, defs) {
  const key = Array.isArray(s.oneOf) ? 'oneOf' : Array.isArray(s.anyOf) ? 'anyOf' : null;
  if (!key) return s;
  const tagName = s.discriminator?.propertyName ?? 'type';
  // The tag values of branch b, or null when b is not an object schema
  // that requires the tag with string values (through $refs and allOf).
  const tagsOf = (b, depth = 0) => {
    if (!b || typeof b !== 'object' || depth > 20) return null;
    if (typeof b.$ref === 'string') {
      if (!b.$ref.startsWith('#/$defs/')) return null;
      const others = Object.keys(b).filter((k) => k !== '$ref' && !ANNOTATIONS.includes(k));
      if (others.length) return null;
      return tagsOf(defs[b.$ref.slice(8)], depth + 1);
    }
    if (b.type !== undefined && b.type !== 'object') return null;
    let tags = null;
    let required = Array.isArray(b.required) && b.required.includes(tagName);
    const p = b.properties?.[tagName];
    if (p) tags = 'const' in p ? [p.const] : Array.isArray(p.enum) ? p.enum : null;
    for (const m of b.allOf ?? []) {
      const sub = tagsOf(m, depth + 1);
      if (sub === null) continue;
      tags ??= sub.tags;
      required ||= sub.required;
    }
    if (!tags) {
      // allOf members without the tag still count for `required`
      return null;
    }
    return { tags, required };
  };
  const isNull = (b) => b && b.type === 'null' &&
    Object.keys(b).every((k) => k === 'type' || ANNOTATIONS.includes(k));
  let nullable = false;
  const seen = new Set();
  const cases = [];
  for (const b of s[key]) {
    if (isNull(b)) { nullable = true; continue; }
    const info = tagsOf(b);
    if (!info || !info.required || info.tags.length === 0) return s;
    for (const t of info.tags) {
      if (typeof t !== 'string' || seen.has(t)) return s;
      seen.add(t);
    }
    cases.push({ if: { type: 'object', required: [tagName],
      properties: { [tagName]: { enum: info.tags } } }, then: b });
  }
  if (cases.length < 2) return s;
  const dispatch = { type: 'object', required: [tagName],
    properties: { [tagName]: { type: 'string', enum: [...seen] } }, allOf: cases };
  const rest = { ...s };
  delete rest[key];
  delete rest.discriminator;
  const choice = nullable ? { anyOf: [dispatch, { type: 'null' }] } : dispatch;
  return { ...rest, allOf: [...(rest.allOf ?? []), choice] };
}

export const stats = { source: null, loadMs: 0, compileMs: {} };
let defs = null;

function loadDefs() {
  if (defs) return defs;
  const t0 = performance.now();
  let text;
  try {
    text = fs.readFileSync(specPath);
  } catch (e) {
    throw new Error(`schema.mjs: cannot read the OpenAPI file ${specPath}: ${e.message}`);
  }
  const sha = createHash('sha256').update(text).digest('hex');
  const cacheFile = path.join(cacheDir, `schemas-${sha.slice(0, 24)}-v${REWRITE_VERSION}.json`);
  try {
    defs = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    stats.source = 'cache';
  } catch {
    const YAML = require('yaml');
    const doc = YAML.parse(text.toString('utf8'), { maxAliasCount: -1 });
    const schemas = doc?.components?.schemas;
    if (!schemas || typeof schemas !== 'object') {
      throw new Error(`schema.mjs: ${specPath} has no components.schemas`);
    }
    const pass1 = Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, rewrite(s)]));
    defs = Object.fromEntries(Object.entries(pass1).map(([n, s]) =>
      [n, walk(s, (node) => {
        const r = unionNode(node, pass1);
        delete r.discriminator;
        return r;
      })]));
    stats.source = 'yaml';
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(defs));
      fs.renameSync(tmp, cacheFile);
    } catch {
      // no cache: the next process parses the YAML again
    }
  }
  for (const [name, pointer, replacement] of EXCEPTIONS) {
    const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    let node = defs[name];
    for (const p of parts) node = node?.[p];
    if (!node || !(last in node)) {
      throw new Error(`schema.mjs: exception ${name}${pointer} no longer matches the description`);
    }
    node[last] = replacement;
  }
  stats.loadMs = performance.now() - t0;
  return defs;
}

// Names of every definition reachable from `name` through $refs.
function reachable(all, name) {
  const seen = new Set([name]);
  const todo = [name];
  const scan = (v) => {
    if (Array.isArray(v)) { v.forEach(scan); return; }
    if (v === null || typeof v !== 'object') return;
    for (const [k, sub] of Object.entries(v)) {
      if (k === '$ref' && typeof sub === 'string' && sub.startsWith('#/$defs/')) {
        const n = sub.slice(8).split('/')[0];
        if (!seen.has(n)) { seen.add(n); todo.push(n); }
      } else {
        scan(sub);
      }
    }
  };
  while (todo.length) {
    const n = todo.pop();
    if (!(n in all)) throw new Error(`schema.mjs: no schema #/components/schemas/${n}`);
    scan(all[n]);
  }
  return seen;
}

let ajv = null;
const validators = new Map();

function makeAjv() {
  const Ajv2020 = require('ajv/dist/2020').default;
  const addFormats = require('ajv-formats').default ?? require('ajv-formats');
  // strict off: the description carries keywords Ajv does not know
  // (readOnly-style annotations, `required: false` leftovers, ...).
  const a = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(a, ['uri', 'date']);
  a.addFormat('unixtime', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 });
  a.addFormat('int64', { type: 'number', validate: (n) => Number.isSafeInteger(n) });
  for (const f of ['double', 'float']) a.addFormat(f, { type: 'number', validate: () => true });
  a.addFormat('binary', { type: 'string', validate: () => true });
  return a;
}

// The compiled validator of #/components/schemas/<name> (cached).
export function validatorFor(name) {
  let v = validators.get(name);
  if (v) return v;
  const all = loadDefs();
  if (!Object.hasOwn(all, name)) {
    throw new Error(`schema.mjs: no schema #/components/schemas/${name} in ${specPath}`);
  }
  const t0 = performance.now();
  ajv ??= makeAjv();
  const $defs = {};
  for (const n of reachable(all, name)) $defs[n] = all[n];
  v = ajv.compile({ $defs, $ref: `#/$defs/${name}` });
  stats.compileMs[name] = performance.now() - t0;
  validators.set(name, v);
  return v;
}

// Every way obj breaks the schema, one line each ("/path: message
// (schema path)"); [] when it conforms.  Left out as noise: the "must match
// then" of a tag dispatch (the picked branch's own errors follow) and the
// "must be null" of a nullable anyOf (its "must match a schema in anyOf"
// stays).
export function schemaErrors(obj, name) {
  const v = validatorFor(name);
  if (v(obj)) return [];
  const lines = [];
  for (const e of v.errors) {
    if (e.keyword === 'if') continue;
    if (e.keyword === 'type' && e.params.type === 'null' &&
      /\/anyOf\/\d+\/type$/.test(e.schemaPath)) continue;
    let msg = e.message;
    if (e.keyword === 'required') msg = `must have required property '${e.params.missingProperty}'`;
    else if (e.keyword === 'enum') msg += ` ${JSON.stringify(e.params.allowedValues)}`;
    else if (e.keyword === 'additionalProperties') msg += ` '${e.params.additionalProperty}'`;
    const line = `${e.instancePath || '/'}: ${msg} (${e.schemaPath})`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines.length ? lines : ['/: invalid (no detail from the validator)'];
}

// Throws an assertion error naming each offending field when obj is not a
// valid #/components/schemas/<name>.
export function assertSchema(obj, name) {
  const errs = schemaErrors(obj, name);
  if (errs.length === 0) return;
  let body = JSON.stringify(obj);
  if (body.length > 2000) body = `${body.slice(0, 2000)}...`;
  const shown = errs.slice(0, 12).join('\n  ');
  const more = errs.length > 12 ? `\n  (${errs.length - 12} more)` : '';
  const err = new AssertionError({
    message: `not a valid ${name}:\n  ${shown}${more}\nbody: ${body}`,
    actual: obj, expected: name, operator: 'assertSchema' });
  err.schemaErrors = errs;
  throw err;
}
