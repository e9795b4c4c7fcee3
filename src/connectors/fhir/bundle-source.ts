import { createHash } from 'node:crypto';
import { arr, isObj, str, type Json } from './map/datatypes.ts';
import { LEGACY_RESOURCE_TYPES, R4_RESOURCE_TYPES } from './resource-types.ts';

export const DEFAULT_BUNDLE_SOURCE = 'fhir-bundle';
const MAX_SOURCE = 100;

/** The server base of an absolute FHIR URL (`https://h/fhir/Observation/1` → `https://h/fhir`). */
export function serverBase(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const segments = u.pathname.split('/');
  const at = segments.findIndex((s) => R4_RESOURCE_TYPES.has(s) || LEGACY_RESOURCE_TYPES.has(s));
  if (at < 0) return undefined;
  return `${u.protocol}//${u.host.toLowerCase()}${segments.slice(0, at).join('/')}`.replace(/\/+$/, '');
}

/**
 * The item source of a Bundle file: `fhir-bundle:<host><path>` of the server its entries came
 * from (the most common base of the entries' absolute `fullUrl`s, else of the Bundle's `self`
 * link), so two portals' `Observation/1` do not overwrite each other; `fhir-bundle` when the
 * file names no server (Synthea's `urn:uuid:` entries). Deterministic: the same file gives the
 * same source, so re-importing it stays idempotent.
 */
export function bundleSource(bundle: Json): string {
  const counts = new Map<string, number>();
  for (const e of arr(bundle.entry)) {
    const url = isObj(e) ? str(e.fullUrl) : undefined;
    const base = url ? serverBase(url) : undefined;
    if (base) counts.set(base, (counts.get(base) ?? 0) + 1);
  }
  let base: string | undefined = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  if (!base) {
    const self = arr(bundle.link).find((l) => isObj(l) && l.relation === 'self');
    const url = isObj(self) ? str(self.url) : undefined;
    base = url ? serverBase(url) : undefined;
  }
  if (!base) return DEFAULT_BUNDLE_SOURCE;
  const name = base.replace(/^https?:\/\//, '');
  const source = `${DEFAULT_BUNDLE_SOURCE}:${name}`;
  if (source.length <= MAX_SOURCE && !/[\u0000-\u001f]/.test(source)) return source;
  const host = name.split('/')[0].slice(0, 60);
  return `${DEFAULT_BUNDLE_SOURCE}:${host}#${createHash('sha256').update(base).digest('hex').slice(0, 10)}`;
}
