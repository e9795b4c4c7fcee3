import type { Child } from 'hono/jsx';
import { ApiError } from './api.ts';

/** Small building blocks shared by the screens. */

/** An error line that screen readers announce; renders nothing without an error. */
export function ErrorNote(props: { error?: unknown; children?: Child }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(props.error)} {props.children}
    </p>
  );
}

/** A person-readable message for any error (ApiError details named by field when present). */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) {
    const details = Array.isArray(e.details)
      ? (e.details as { path?: string; message?: string }[]).map((d) => `${d.path}: ${d.message}`).join('; ')
      : '';
    return details ? `${e.message} (${details})` : e.message;
  }
  if (typeof e === 'string') return e;
  return (e as Error)?.message ?? 'Something went wrong.';
}

/** A polite status line (e.g. "Saved."), announced without stealing focus. */
export function Status(props: { text?: string }) {
  return (
    <p class="status" role="status" aria-live="polite">
      {props.text ?? ''}
    </p>
  );
}

export function Spinner(props: { label?: string }) {
  return (
    <p class="loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}
