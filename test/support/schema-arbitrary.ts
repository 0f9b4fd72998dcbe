import fc, { type Arbitrary } from 'fast-check';

/** The part of JSON Schema (as @fastify/swagger writes OpenAPI 3.0) that route schemas use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  nullable?: boolean;
  default?: unknown;
}

/** Any JSON value, nested a little: what a hostile client sends in place of the expected one. */
const junk: Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 40 }),
  fc.constant(''),
  fc.constant('x'.repeat(5000)),
  fc.array(fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 })), { maxKeys: 3 }),
);

/**
 * Values for a schema: half valid all through (so requests get past
 * validation into the handlers), a third valid with a hostile value here and
 * there (wrong types, nulls, huge strings), the rest hostile outright; and
 * optional keys dropped or unknown ones added at random.
 */
export function arbitraryFor(schema: JsonSchema | undefined): Arbitrary<unknown> {
  const s = schema ?? {};
  return fc.oneof(
    { weight: 3, arbitrary: valueFor(s, 0, 0) },
    { weight: 2, arbitrary: valueFor(s, 0, 0.08) },
    { weight: 1, arbitrary: junk },
  );
}

/** A value of the schema in which each node is replaced by junk with probability `hostile`. */
function valueFor(s: JsonSchema, depth: number, hostile: number): Arbitrary<unknown> {
  const valid = validFor(s, depth, hostile);
  if (hostile === 0) return valid;
  const junkWeight = Math.max(1, Math.round(hostile * 100));
  return fc.oneof({ weight: 100 - junkWeight, arbitrary: valid }, { weight: junkWeight, arbitrary: junk });
}

function validFor(s: JsonSchema, depth: number, hostile: number): Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valueFor(a, depth + 1, hostile)));
  if (s.allOf) return valueFor(Object.assign({}, ...s.allOf) as JsonSchema, depth + 1, hostile);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  const base = ((): Arbitrary<unknown> => {
    switch (type) {
      case 'object':
        return objectFor(s, depth, hostile);
      case 'array':
        return fc.array(valueFor(s.items ?? {}, depth + 1, hostile), { minLength: s.minItems ?? 0, maxLength: Math.max(Math.min(s.maxItems ?? 5, 5), s.minItems ?? 0) });
      case 'string':
        return stringFor(s);
      case 'integer':
        return fc.integer({ min: Math.max(bound(s.minimum, s.exclusiveMinimum, 1), -1e9), max: Math.min(bound(s.maximum, s.exclusiveMaximum, -1), 1e9) });
      case 'number':
        return fc.double({ min: Math.max(s.minimum ?? -1e6, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6), noNaN: true });
      case 'boolean':
        return fc.boolean();
      default:
        return junk;
    }
  })();
  return s.nullable || (Array.isArray(s.type) && s.type.includes('null')) ? fc.option(base, { nil: null }) : base;
}

function bound(value: number | undefined, exclusive: number | boolean | undefined, step: number): number {
  if (typeof exclusive === 'number') return exclusive + step;
  if (value === undefined) return step > 0 ? -1e9 : 1e9;
  return exclusive === true ? value + step : value;
}

function stringFor(s: JsonSchema): Arbitrary<unknown> {
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (s.pattern) {
    const maxLength = s.maxLength ?? 64;
    return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= (s.minLength ?? 0) && x.length <= maxLength);
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40), unit: 'grapheme' });
}

function objectFor(s: JsonSchema, depth: number, hostile: number): Arbitrary<unknown> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const entries = Object.entries(props).map(([k, v]) => [k, valueFor(v, depth + 1, hostile)] as const);
  const record = fc.record(Object.fromEntries(entries), { requiredKeys: [...required].filter((k) => k in props) });
  if (hostile === 0) return record;
  // Now and then a key the schema does not know.
  return fc.tuple(record, fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), junk), { freq: 5 })).map(([r, extra]) => (extra ? { ...r, [extra[0]]: extra[1] } : r));
}
