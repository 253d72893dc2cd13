/**
 * A fast path in front of zod for the body of `POST /receipts` (a batch of up to 1,000 receipts
 * of any number of lines). zod builds a new object for every value it checks and an issue list
 * for every field; on 20-line receipts that was a fifth of the server's CPU time per receipt.
 *
 * The zod schema stays the contract: the types, the OpenAPI document and every error message
 * come from it. The body is first checked by Ajv against the JSON Schema zod itself derives from
 * that schema, compiled once and making no copies. A body Ajv accepts is used as parsed; one it
 * refuses goes through zod, which answers the 400 exactly as before (or accepts it). So the fast
 * path can only ever answer sooner, never differently — provided Ajv accepts nothing zod refuses,
 * and that zod would return the body unchanged:
 * - `assertSameAsJsonSchema` allows only what has an exact JSON Schema twin (types, optional
 *   keys, enums, sizes, integer ranges, regex patterns) and objects that keep or refuse unknown
 *   keys (loose or strict, never stripped). Anything else — a refinement, a transform, a default,
 *   a stripping object — fails at startup, so a change to the receipt schema cannot slip past.
 * - String lengths are counted in code points, as zod counts them, and a pattern runs with no
 *   flags (`unicodeRegExp: false`), as zod's own regex does — a regex with flags is refused, its
 *   JSON Schema `pattern` would lose them.
 * batch-validation.test.ts throws malformed receipts at both to hold this.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Schema types whose JSON Schema says exactly what zod checks. */
const TYPES: ReadonlySet<string> = new Set(['object', 'array', 'optional', 'string', 'number', 'boolean', 'enum', 'literal', 'unknown']);
/** Checks likewise; a string format only with its regex (`pattern`, no flags), which Ajv then runs. */
const CHECKS: ReadonlySet<string> = new Set(['min_length', 'max_length', 'length_equals', 'greater_than', 'less_than', 'number_format', 'string_format']);
const NUMBER_FORMATS: ReadonlySet<unknown> = new Set(['safeint']);

/** Throws unless every part of `schema` has an exact JSON Schema twin (see the module doc). */
export function assertSameAsJsonSchema(schema: z.core.$ZodType, path = '$'): void {
  const def = schema._zod.def;
  const refuse = (what: string): never => {
    throw new Error(`batch validation: ${path} uses ${what}, which the JSON Schema fast path cannot check; extend batch-validation.ts or drop the fast path`);
  };
  const plainPattern = (d: object): boolean => 'pattern' in d && d.pattern instanceof RegExp && d.pattern.flags === '';
  if (!TYPES.has(def.type)) refuse(`a ${def.type} schema`);
  if (def.type === 'string' && 'format' in def && !plainPattern(def)) refuse(`string format ${String(def.format)} without a plain regex`);
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (!CHECKS.has(c.check)) refuse(`a ${c.check} check`);
    if (c.check === 'number_format' && !('format' in c && NUMBER_FORMATS.has(c.format))) refuse('a number format');
    if (c.check === 'string_format' && !plainPattern(c)) refuse('a string format without a plain regex');
  }
  if (def.type === 'object' && 'shape' in def && typeof def.shape === 'object' && def.shape !== null) {
    const catchall = 'catchall' in def && def.catchall instanceof z.core.$ZodType ? def.catchall._zod.def.type : undefined;
    if (catchall !== 'unknown' && catchall !== 'never') refuse('an object that strips unknown keys');
    for (const [key, value] of Object.entries(def.shape)) if (value instanceof z.core.$ZodType) assertSameAsJsonSchema(value, `${path}.${key}`);
  }
  if (def.type === 'array' && 'element' in def && def.element instanceof z.core.$ZodType) assertSameAsJsonSchema(def.element, `${path}[]`);
  if (def.type === 'optional' && 'innerType' in def && def.innerType instanceof z.core.$ZodType) assertSameAsJsonSchema(def.innerType, path);
}

/** A compiled check: true when the value is valid (then zod would return it unchanged). */
export function compileJsonSchemaCheck(schema: z.core.$ZodType): (data: unknown) => boolean {
  assertSameAsJsonSchema(schema);
  // zod writes each string format's regex as `pattern`; the `format` beside it adds nothing.
  const ajv = new Ajv2020({ unicodeRegExp: false, validateFormats: false, allErrors: false });
  const validate = ajv.compile(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }));
  return (data) => validate(data) === true;
}

/**
 * The validator compiler for a route whose body gets the fast path: zod for every part (the
 * app's own compiler), with the JSON Schema check in front of the body.
 */
export function withFastBody<S>(route: Parameters<FastifySchemaCompiler<S>>[0]): ReturnType<FastifySchemaCompiler<S>> {
  const { schema } = route;
  if (!(schema instanceof z.core.$ZodType)) throw new Error(`batch validation: ${route.method} ${route.url} ${route.httpPart ?? ''} has no zod schema`);
  const slow = validatorCompiler({ ...route, schema });
  if (route.httpPart !== 'body') return slow;
  const fast = compileJsonSchemaCheck(schema);
  return (data: unknown) => (fast(data) ? { value: data } : slow(data));
}
