import { z } from 'zod';
import { ISO_DATE_MESSAGE, isStrictIsoDate } from '../lib/iso-date.ts';

/** Request shapes of the vault API (strict: unknown fields are refused). */

/** A date that exists (no `2024-02-30`, year 0 or `+010000`): see src/lib/iso-date.ts. */
export const isoDate = z.string().refine(isStrictIsoDate, ISO_DATE_MESSAGE);

export const sensitivitySchema = z.enum(['normal', 'private', 'secret']);
const label = z.string().trim().min(1).max(100).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters');

export const permissionsSchema = z
  .object({
    shareWithAi: z.boolean().nullable().optional(),
    shareWithCloud: z.boolean().nullable().optional(),
    readOnly: z.boolean().optional(),
    expiresAt: isoDate.nullable().optional(),
  })
  .strict();

export const newItemSchema = z
  .object({
    kind: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and . _ : - only'),
    source: z.string().trim().min(1).max(100).optional(),
    sourceId: z.string().min(1).max(500).optional(),
    title: z.string().trim().min(1).max(1000),
    text: z.string().max(1_000_000).optional(),
    content: z.unknown().optional(),
    effectiveAt: isoDate.nullable().optional(),
    sensitivity: sensitivitySchema.optional(),
    tags: z.array(label).max(50).optional(),
    categories: z.array(label).max(20).optional(),
    permissions: permissionsSchema.optional(),
  })
  .strict();

export const itemPatchSchema = z
  .object({
    kind: newItemSchema.shape.kind.optional(),
    title: newItemSchema.shape.title.optional(),
    text: z.string().max(1_000_000).nullable().optional(),
    content: z.unknown().optional(),
    effectiveAt: isoDate.nullable().optional(),
    sensitivity: sensitivitySchema.optional(),
    tags: z.array(label).max(50).optional(),
    categories: z.array(label).max(20).optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change');

/** The largest page of `GET /api/vault/items`. */
export const MAX_LIST_LIMIT = 500;

/**
 * The exclusive upper bound of a list's `to`: a date-only value (`2024-01-10`) includes that
 * whole day (UTC, like a date-only `from`), so `from=D&to=D` is the day D; a date-time is used as given.
 */
export function rangeEnd(to: string): Date {
  const d = new Date(to);
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export const listQuerySchema = z
  .object({
    q: z.string().max(500).optional(),
    kind: z.string().max(100).optional(),
    source: z.string().max(100).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    tag: z.string().max(100).optional(),
    sensitivity: sensitivitySchema.optional(),
    shared: z.enum(['ai', 'none']).optional(),
    // Above the maximum is clamped, not refused: a client asking for "all" gets the largest page.
    limit: z.coerce.number().int().min(1).transform((n) => Math.min(n, MAX_LIST_LIMIT)).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    source: label.optional(),
    kind: label.optional(),
    category: label.optional(),
    tag: label.optional(),
    shareWithAi: z.boolean(),
    shareWithCloud: z.boolean().optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    expiresAt: isoDate.nullable().optional(),
  })
  .strict();

export type NewItem = z.infer<typeof newItemSchema>;
export type ItemPatch = z.infer<typeof itemPatchSchema>;
export type ListQuery = z.infer<typeof listQuerySchema>;
export type RuleInput = z.infer<typeof ruleSchema>;
export type PermissionsInput = z.infer<typeof permissionsSchema>;
