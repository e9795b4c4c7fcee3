import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidJsonError, UnsupportedMediaTypeError, ValidationError, AppError } from '../errors.ts';

/** Problems of a failed parse as {path, message}; never the offending values (they may be PHI). */
function issues(error: z.ZodError) {
  return error.issues.map((i) => ({
    path: i.path.join('.') || '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
}

/** True when a string or object key anywhere in `root` holds U+0000 (iterative: nesting depth is the client's choice). */
function hasNul(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(x);
      }
    }
  }
  return false;
}

/**
 * The top-level field (body) or parameter (query) whose value holds a NUL character anywhere
 * (in a string or an object key), or undefined. Only the top-level name is given: deeper keys
 * (inside `content`) are the user's data and are never echoed.
 */
export function fieldWithNul(value: unknown): string | undefined {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) return hasNul(value) ? '(body)' : undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return '(a field name)';
    if (hasNul(v)) return k;
  }
  return undefined;
}

/**
 * PostgreSQL cannot store U+0000 in text, so such input would fail deep in a query as a 500.
 * Every JSON body and query string is checked here, once, before its schema.
 */
function refuseNul(value: unknown, where: 'body' | 'query'): void {
  const field = fieldWithNul(value);
  if (field === undefined) return;
  const message = 'must not contain the NUL character (\\u0000)';
  throw new ValidationError(
    `${where === 'body' ? 'The request body' : 'The query parameter'} "${field}" ${message}.`,
    [{ path: field, message }],
  );
}

/** Reads and validates a JSON body; 415 for another media type, 400 for bad JSON or shape. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z+.-]*\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('application/json');
  const raw = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new InvalidJsonError();
  }
  refuseNul(body, 'body');
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The request body is not valid for this endpoint.', issues(parsed.error));
  return parsed.data;
}

/** Validates the query string; 400 naming the parameter for a bad or NUL-carrying value. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  // An empty parameter (`from=`, as an HTML form sends an empty field) counts as absent.
  const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
  refuseNul(query, 'query');
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new ValidationError('The query parameters are not valid for this endpoint.', issues(parsed.error));
  return parsed.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id; malformed ids are a 400, not a database error. */
export function idParam(c: Context, name = 'id'): string {
  const v = c.req.param(name) ?? '';
  if (!UUID.test(v)) throw new AppError('invalid_id', `"${name}" must be a UUID.`);
  return v.toLowerCase();
}
