/** Display helpers shared by the screens. */

/** A date in the reader's locale; '' for none. Date-only values stay on their calendar day. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** `<input type="date">` value (YYYY-MM-DD) of an ISO instant, in local time. */
export function toDateInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The end of the chosen local day as an ISO instant, so "until 3 May" includes 3 May. */
export function endOfDay(dateInput: string): string | null {
  if (!dateInput) return null;
  const d = new Date(`${dateInput}T23:59:59`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** ISO instant `days` from now. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

/** "vital-signs" → "Vital signs", "MedicationRequest" → "Medication request". */
export function humanize(s: string | null | undefined): string {
  if (!s) return '';
  const spaced = s.replace(/[_.:-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const SOURCES: Record<string, string> = { user: 'You', manual: 'You', epic: 'Epic', 'apple-health': 'Apple Health', oura: 'Oura', withings: 'Withings', fitbit: 'Fitbit' };

/** A record source as people say it ("apple-health" → "Apple Health", "user" → "You"). */
export function sourceLabel(s: string | null | undefined): string {
  if (!s) return '';
  return SOURCES[s] ?? humanize(s);
}

/** A record kind as people say it: "fhir.MedicationRequest" → "Medication request". */
export function kindLabel(kind: string | null | undefined): string {
  return humanize((kind ?? '').replace(/^fhir\./i, ''));
}

/**
 * A `from`/`to` filter value as a date only (YYYY-MM-DD), which the gateway reads as the whole
 * day — so "to 3 May" includes 3 May. An instant (an old link) becomes its local calendar day
 * rather than a UTC-midnight cut-off; anything unreadable is dropped.
 */
export function dateOnly(v: string | null | undefined): string {
  if (!v) return '';
  const t = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  return toDateInput(t);
}
