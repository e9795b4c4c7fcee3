import type { ImportItem, ItemService } from '../../vault/items.ts';
import { arr, isObj, str, type Json } from './map/datatypes.ts';
import type { Sensitivity } from '../../db/schema.ts';
import { labelsSensitivity, strongest } from './map/sensitivity.ts';
import { ResourceIndex, type Located } from './map/references.ts';
import { summarize } from './map/summarize.ts';
import { LEGACY_RESOURCE_TYPES, R4_RESOURCE_TYPES, R5_RESOURCE_TYPES } from './resource-types.ts';
import { entryName, entryProblem } from './entry-limits.ts';
import { Yielder } from '../../lib/yielder.ts';
import type { AdaptiveBatch } from '../../lib/adaptive-batch.ts';
import { isDataRefusal } from '../../db/errors.ts';

export interface FhirImportResult {
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export interface FhirImportOptions {
  /** The item source: a provider id (`epic`), `fhir-bundle`, `apple-health`, … */
  source: string;
  /** Receives one message per skipped resource or OperationOutcome (no PHI: types, ids, codes). */
  warn?: (message: string) => void;
  /** Resources (or Bundles of them) only looked up (a Binary's DocumentReference, an order's Medication), not imported. */
  context?: unknown[];
  /** A ready index of everything the import may refer to (a large Bundle indexes once, imports in slices). */
  index?: ResourceIndex;
  /** Items per database batch. */
  batchSize?: number;
  /** The resources were already checked against the entry limits (the bundle job checks each entry first). */
  checked?: boolean;
  /** Shares the event loop during a long import (one per job, so its budget spans the slices). */
  yielder?: Yielder;
  /** Items per database batch, sized by how long the last batches took (overrides batchSize). */
  batch?: AdaptiveBatch;
  /**
   * Receives the ids of each written batch instead of the vault's listeners: a bulk import
   * announces them now and then (each announcement makes the embedding upkeep look over the
   * user's whole vault, which after every batch held the embedded database for seconds).
   */
  onWritten?: (ids: { inserted: string[]; updated: string[] }) => void;
}

/** FHIR ids are [A-Za-z0-9.-]{1,64}; Epic's run longer, so the length limit is relaxed. */
const ID = /^[A-Za-z0-9._-]{1,200}$/;
/** Kinds are never stored for types outside R4, and metadata types carry no health record. */
const NOT_RECORDS = new Set(['Bundle', 'OperationOutcome', 'CapabilityStatement', 'Parameters', 'Subscription', 'SearchParameter', 'StructureDefinition']);

/** Short, PHI-free text of an OperationOutcome for a job warning: severity, code, Epic message id. */
export function describeOutcome(oo: Json): string {
  const parts = arr(oo.issue)
    .filter(isObj)
    .map((i) => {
      const details = isObj(i.details) ? i.details : {};
      const coded = arr(details.coding).find(isObj);
      const text = str(details.text) ?? str(coded?.display) ?? str(i.diagnostics) ?? '';
      return `${str(i.severity) ?? 'issue'} ${str(i.code) ?? ''}${coded?.code ? ` (${String(coded.code)})` : ''}${text ? `: ${text.slice(0, 160)}` : ''}`.trim();
    });
  return parts.length ? parts.join('; ') : 'an OperationOutcome without issues';
}

/** Flattens Bundles (any depth, entry.resource) into resources with their fullUrl, reporting bad entries. */
export function flatten(input: unknown[], warn: (m: string) => void = () => undefined, counts: { skipped: number } = { skipped: 0 }): Located[] {
  const out: Located[] = [];
  const visit = (r: unknown, depth: number, fullUrl?: string, inherited?: Sensitivity) => {
    if (!isObj(r)) {
      counts.skipped++;
      warn('skipped an entry that is not a JSON object');
      return;
    }
    if (r.resourceType === 'Bundle' && depth < 4) {
      // Labels on the Bundle itself cover every entry (an export marked restricted as a whole).
      const labels = strongest(inherited, labelsSensitivity(isObj(r.meta) ? r.meta.security : undefined));
      for (const e of arr(r.entry)) {
        if (!isObj(e) || e.resource === undefined) {
          counts.skipped++;
          warn('skipped a Bundle entry without a resource');
          continue;
        }
        const resource = e.resource;
        const url = str(e.fullUrl);
        // A transaction Bundle may give ids only as urn:uuid fullUrls.
        if (isObj(resource) && resource.id === undefined && url) {
          const m = url.match(/^urn:uuid:([A-Za-z0-9-]+)$/);
          if (m) visit({ ...resource, id: m[1] }, depth + 1, url, labels);
          else visit(resource, depth + 1, url, labels);
        } else visit(resource, depth + 1, url, labels);
      }
      return;
    }
    out.push({ resource: r, ...(fullUrl ? { fullUrl } : {}), ...(inherited && inherited !== 'normal' ? { inherited } : {}) });
  };
  for (const r of input) visit(r, 0);
  return out;
}

/**
 * Turns FHIR resources (or Bundles of them) into vault items and upserts them: kind
 * `fhir.<Type>`, sourceId `<Type>/<id>`, the clinical date as effectiveAt, category codes,
 * a readable title and text (with code labels such as `LOINC 8480-6` so search finds them),
 * the resource JSON as encrypted content, and `meta.security` labels as sensitivity.
 * Idempotent: an unchanged resource is counted as unchanged, a changed one replaces the item.
 * Used by the SMART sync, the FHIR Bundle import and the Apple Health clinical records.
 */
export async function importFhirResources(
  items: ItemService,
  userId: string,
  resources: unknown[],
  opts: FhirImportOptions,
): Promise<FhirImportResult> {
  const warn = opts.warn ?? (() => undefined);
  const yielder = opts.yielder ?? new Yielder();
  const counts = { inserted: 0, updated: 0, unchanged: 0, skipped: 0 };
  const located = flatten(resources, warn, counts);
  const ctx = opts.index ?? new ResourceIndex(opts.context ? [...located, ...flatten(opts.context)] : located);
  const batch: ImportItem[] = [];
  const written = <R extends { inserted: string[]; updated: string[] }>(r: R): R => {
    opts.onWritten?.(r);
    return r;
  };
  const flush = async () => {
    if (!batch.length) return;
    const items_ = batch.splice(0);
    await yielder.maybe();
    try {
      const started = performance.now();
      add(counts, written(await items.importItems(userId, items_, undefined, { quiet: !!opts.onWritten })));
      opts.batch?.took(items_.length, performance.now() - started);
    } catch (e) {
      if (!isDataRefusal(e)) throw e;
      // The database refused a value of one item (nothing of the batch was written): store the
      // rest one by one and name the refused ones, never the database's own words.
      for (const it of items_) {
        await yielder.maybe();
        try {
          add(counts, written(await items.importItems(userId, [it], undefined, { quiet: !!opts.onWritten })));
        } catch (e2) {
          if (!isDataRefusal(e2)) throw e2;
          counts.skipped++;
          warn(`skipped ${it.sourceId}: the vault could not store one of its values`);
        }
      }
    }
  };
  for (const { resource: r, inherited } of located) {
    await yielder.maybe();
    const type = r.resourceType;
    if (type === 'OperationOutcome') {
      counts.skipped++;
      warn(`server said: ${describeOutcome(r)}`);
      continue;
    }
    if (typeof type !== 'string' || !(R4_RESOURCE_TYPES.has(type) || LEGACY_RESOURCE_TYPES.has(type) || R5_RESOURCE_TYPES.has(type)) || NOT_RECORDS.has(type)) {
      counts.skipped++;
      warn(typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? `skipped a resource of unknown type ${type}` : 'skipped an object without a valid resourceType');
      continue;
    }
    if (typeof r.id !== 'string' || !ID.test(r.id)) {
      counts.skipped++;
      warn(`skipped a ${type} without a usable id`);
      continue;
    }
    const problem = opts.checked ? undefined : entryProblem(r);
    if (problem) {
      counts.skipped++;
      warn(`skipped ${entryName(r)}: ${problem}`);
      continue;
    }
    const s = summarize(r, ctx);
    batch.push({
      kind: `fhir.${type}`,
      source: opts.source,
      sourceId: `${type}/${r.id}`,
      // Text decoded from an inline attachment may hold NULs; PostgreSQL text cannot.
      title: noNul(s.title),
      text: noNul(s.text),
      content: r,
      effectiveAt: s.effectiveAt,
      sensitivity: ctx.sensitivity(r, inherited),
      categories: s.categories.map(noNul),
    });
    if (batch.length >= (opts.batch?.size ?? opts.batchSize ?? 250)) await flush();
  }
  await flush();
  return counts;
}

function add(counts: FhirImportResult, r: { inserted: string[]; updated: string[]; unchanged: number }): void {
  counts.inserted += r.inserted.length;
  counts.updated += r.updated.length;
  counts.unchanged += r.unchanged;
}

const noNul = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '') : s);
