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

/** The summary line names the first bad field, so a person sees what to fix without reading `details`. */
function invalid(what: string, problems: { path: string; message: string }[]): ValidationError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ValidationError(first ? `${what} is not valid for this endpoint: "${first.path}" ${first.message}${more}.` : `${what} is not valid for this endpoint.`, problems);
}

type Flaw = 'nul' | 'surrogate';

/** With the `u` flag a surrogate pair is one code point: only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** What makes a string unstorable: U+0000 (PostgreSQL text cannot hold it) or a lone UTF-16 surrogate (no UTF-8 form). */
function flawOf(s: string): Flaw | undefined {
  if (s.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(s) ? 'surrogate' : undefined;
}

/** The first flaw of a string or object key anywhere in `root` (iterative: nesting depth is the client's choice). */
function flawIn(root: unknown): Flaw | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const f = flawOf(v);
      if (f) return f;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const f = flawOf(k);
        if (f) return f;
        stack.push(x);
      }
    }
  }
  return undefined;
}

/**
 * The top-level field (body) or parameter (query) whose value holds a flaw anywhere (in a
 * string or an object key), and which flaw, or undefined. Only the top-level name is given:
 * deeper keys (inside `content`) are the user's data and are never echoed.
 */
function fieldWithFlaw(value: unknown): { field: string; flaw: Flaw } | undefined {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) {
    const flaw = flawIn(value);
    return flaw && { field: '(body)', flaw };
  }
  for (const [k, v] of Object.entries(value)) {
    const keyFlaw = flawOf(k);
    if (keyFlaw) return { field: '(a field name)', flaw: keyFlaw };
    const flaw = flawIn(v);
    if (flaw) return { field: k, flaw };
  }
  return undefined;
}

/** The field holding a NUL character (see fieldWithFlaw), or undefined. */
export function fieldWithNul(value: unknown): string | undefined {
  const found = fieldWithFlaw(value);
  return found?.flaw === 'nul' ? found.field : undefined;
}

const FLAW_MESSAGE: Record<Flaw | 'utf8', string> = {
  nul: 'must not contain the NUL character (\\u0000)',
  // A lone surrogate would be stored as U+FFFD: the user would get back other text than they sent.
  surrogate: 'must be valid Unicode text (it holds a lone UTF-16 surrogate, e.g. \\ud800)',
  utf8: 'must be valid UTF-8 text (it holds bytes that are not UTF-8)',
};

function refuseField(field: string, flaw: Flaw | 'utf8', where: 'body' | 'query'): never {
  const message = FLAW_MESSAGE[flaw];
  throw new ValidationError(
    `${where === 'body' ? 'The request body' : 'The query parameter'} "${field}" ${message}.`,
    [{ path: field, message }],
  );
}

/**
 * Text PostgreSQL cannot store faithfully (U+0000, lone surrogates) would fail deep in a query
 * as a 500 or come back changed. Every JSON body and query string is checked here, once, before its schema.
 */
function refuseFlaws(value: unknown, where: 'body' | 'query'): void {
  const found = fieldWithFlaw(value);
  if (found) refuseField(found.field, found.flaw, where);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text. Bytes that are not UTF-8 are refused rather than turned into U+FFFD: the
 * top-level field that holds them is named when the rest of the body is readable JSON.
 */
function decodeBody(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let field = '(body)';
    try {
      const loose: unknown = JSON.parse(new TextDecoder().decode(bytes));
      if (loose && typeof loose === 'object' && !Array.isArray(loose)) {
        field = Object.entries(loose).find(([k, v]) => k.includes('\ufffd') || JSON.stringify(v).includes('\ufffd'))?.[0] ?? field;
      }
    } catch {
      /* not JSON either: the body as a whole is named */
    }
    return refuseField(field, 'utf8', 'body');
  }
}

/** Reads and validates a JSON body; 415 for another media type, 400 for bad JSON or shape. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z+.-]*\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('application/json');
  const raw = decodeBody(new Uint8Array(await c.req.arrayBuffer()));
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new InvalidJsonError();
  }
  refuseFlaws(body, 'body');
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalid('The request body', issues(parsed.error));
  return parsed.data;
}

/** Validates the query string; 400 naming the parameter for a bad, NUL- or surrogate-carrying value. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  // An empty parameter (`from=`, as an HTML form sends an empty field) counts as absent.
  const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
  refuseFlaws(query, 'query');
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw invalid('The query', issues(parsed.error));
  return parsed.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id; malformed ids are a 400, not a database error. */
export function idParam(c: Context, name = 'id'): string {
  const v = c.req.param(name) ?? '';
  if (!UUID.test(v)) throw new AppError('invalid_id', `"${name}" must be a UUID.`);
  return v.toLowerCase();
}
