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
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The request body is not valid for this endpoint.', issues(parsed.error));
  return parsed.data;
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
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
