/**
 * Domain errors. Each has a stable `code`; `statusFor` is the one table mapping codes to
 * HTTP statuses, used by the gateway's single error handler.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, details);
  }
}
export class InvalidJsonError extends AppError {
  constructor() {
    super('invalid_json', 'The request body is not valid JSON.');
  }
}
export class NotFoundError extends AppError {
  constructor(what = 'resource') {
    super('not_found', `No such ${what}.`);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Sign in first.') {
    super('unauthorized', message);
  }
}
export class CsrfError extends AppError {
  constructor() {
    super('csrf_failed', 'Missing or wrong X-CSRF-Token header for a cookie-authenticated request.');
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed.') {
    super('forbidden', message);
  }
}
export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
export class ReadOnlyError extends ConflictError {
  constructor() {
    super('read_only', 'This item is marked read-only; clear readOnly in its permissions before editing it.');
  }
}
export class RateLimitedError extends AppError {
  constructor(retryAfterS: number, message = 'Too many attempts; try again later.') {
    super('rate_limited', message, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))) });
  }
}
/** The current password given to confirm an account change is wrong (403, not 401: the session itself is fine). */
export class WrongPasswordError extends AppError {
  constructor(field = 'password') {
    super('wrong_password', `The "${field}" is not your current password.`, [{ path: field, message: 'is not your current password' }]);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super('payload_too_large', `The request body exceeds the limit of ${limit} bytes.`);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(expected: string) {
    super('unsupported_media_type', `Send the body as ${expected}.`);
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, retryAfterS?: number) {
    super(code, message, undefined, retryAfterS ? { 'Retry-After': String(Math.ceil(retryAfterS)) } : undefined);
  }
}

const STATUS: Record<string, number> = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_id: 400,
  invalid_cursor: 400,
  bad_request: 400,
  unauthorized: 401,
  csrf_failed: 403,
  forbidden: 403,
  wrong_password: 403,
  not_found: 404,
  method_not_allowed: 405,
  read_only: 409,
  conflict: 409,
  email_taken: 409,
  job_running: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  decryption_failed: 500,
  internal: 500,
  model_unavailable: 503,
  pool_saturated: 503,
  pool_unavailable: 503,
  upstream_failed: 502,
};

export function statusFor(code: string): number {
  return STATUS[code] ?? (code.endsWith('_unavailable') ? 503 : 500);
}

/** Lets other modules register their own codes (e.g. pool, connectors) in the same table. */
export function registerErrorStatus(code: string, status: number): void {
  STATUS[code] = status;
}
