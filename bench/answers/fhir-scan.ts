import type { Json } from './builder.ts';

/** A FHIR reference as the vault keeps it in `sourceId`: `<Type>/<id>`. */
export type Ref = string;

export const refOf = (r: Json): Ref => `${r.resourceType}/${r.id}`;
const code = (cc: any): string | undefined => cc?.coding?.[0]?.code;
export const display = (cc: any): string => cc?.text ?? cc?.coding?.[0]?.display ?? '';

/** The clinical date of a resource, as YYYY-MM-DD (the day the gateway prints). */
export function dayOf(r: Json): string {
  const v = r.effectiveDateTime ?? r.occurrenceDateTime ?? r.authoredOn ?? r.onsetDateTime ?? r.period?.start ?? r.performedPeriod?.start ?? r.recordedDate ?? r.created ?? r.date ?? '';
  return String(v).slice(0, 10);
}
const time = (r: Json) => Date.parse(r.effectiveDateTime ?? r.occurrenceDateTime ?? r.authoredOn ?? r.onsetDateTime ?? r.period?.start ?? r.performedPeriod?.start ?? r.recordedDate ?? r.created ?? r.date);
const newestFirst = (a: Json, b: Json) => time(b) - time(a);
const labels = (r: Json): string[] => (r.meta?.security ?? []).map((s: any) => s.code);

/**
 * Questions' ground truth comes from scanning the generated FHIR, never from what the gateway
 * returned: this reads one patient's Bundle the way a clinician would read the chart.
 */
export class FhirScan {
  readonly all: Json[];

  /** `unshared`: references the person withholds item by item (out of every answer, like secrets). */
  constructor(bundle: Json, private readonly unshared: readonly Ref[] = []) {
    this.all = (bundle.entry as Json[]).map((e) => e.resource);
  }

  /** Everything no prompt may show: secret-labelled records and the ones the person withholds. */
  hidden(): Json[] {
    const withheld = new Set(this.unshared);
    return [...this.secret(), ...this.all.filter((r) => withheld.has(refOf(r)))];
  }

  /** Resources carrying a sensitive `meta.security` label (they import as `secret`). */
  secret(): Json[] {
    return this.all.filter((r) => labels(r).some((l) => ['HIV', 'PSY', 'V'].includes(l)));
  }

  /** Resources of a type that are not hidden (what a "share everything" rule may show). */
  of(type: string): Json[] {
    const hidden = new Set(this.hidden());
    return this.all.filter((r) => r.resourceType === type && !hidden.has(r)).sort(newestFirst);
  }

  /** A visit and everything recorded at it or billing it (to withhold a whole visit). */
  visitRecords(encounterId: string): Json[] {
    const at = (r: Json) => r.encounter?.reference === `urn:uuid:${encounterId}` || r.context?.encounter?.some((x: any) => x.reference === `urn:uuid:${encounterId}`);
    const claims = this.all.filter((r) => r.resourceType === 'Claim' && r.item?.some((i: any) => i.encounter?.some((x: any) => x.reference === `urn:uuid:${encounterId}`)));
    const claimRefs = new Set(claims.map((c) => `urn:uuid:${c.id}`));
    return this.all.filter((r) => (r.resourceType === 'Encounter' && r.id === encounterId) || at(r) || claims.includes(r) || claimRefs.has(r.claim?.reference));
  }

  patient(): Json {
    return this.of('Patient')[0];
  }

  /** Observations with this LOINC code (the panel code for blood pressure), newest first. */
  observations(loinc: string): Json[] {
    return this.of('Observation').filter((o) => code(o.code) === loinc);
  }

  latest(loinc: string, nth = 0): Json {
    const o = this.observations(loinc)[nth];
    if (!o) throw new Error(`no observation ${loinc} #${nth}`);
    return o;
  }

  since(loinc: string, fromDay: string): Json[] {
    return this.observations(loinc).filter((o) => dayOf(o) >= fromDay);
  }

  conditions(status?: 'active' | 'resolved'): Json[] {
    return this.of('Condition').filter((c) => !status || code(c.clinicalStatus) === status);
  }

  medications(status?: 'active' | 'stopped' | 'completed'): Json[] {
    return this.of('MedicationRequest').filter((m) => !status || m.status === status);
  }

  immunizations(cvx?: string): Json[] {
    return this.of('Immunization').filter((i) => !cvx || code(i.vaccineCode) === cvx);
  }

  procedures(snomed?: string): Json[] {
    return this.of('Procedure').filter((p) => !snomed || code(p.code) === snomed);
  }

  encounters(pred: (e: Json) => boolean = () => true): Json[] {
    return this.of('Encounter').filter(pred);
  }

  encounterType(e: Json): string | undefined {
    return code(e.type?.[0]);
  }

  /** The Claim and the ExplanationOfBenefit billing an encounter. */
  billingOf(encounter: Json): { claim: Json; eob: Json } {
    const claim = this.of('Claim').find((c) => c.item?.some((i: any) => i.encounter?.some((x: any) => x.reference === `urn:uuid:${encounter.id}`)));
    if (!claim) throw new Error(`no claim for Encounter/${encounter.id}`);
    const eob = this.of('ExplanationOfBenefit').find((x) => x.claim?.reference === `urn:uuid:${claim.id}`);
    if (!eob) throw new Error(`no explanation of benefit for Claim/${claim.id}`);
    return { claim, eob };
  }

  /** DiagnosticReports that list one of these results (acceptable context for a lab question). */
  reportsOf(results: Json[]): Json[] {
    const ids = new Set(results.map((r) => `urn:uuid:${r.id}`));
    return this.of('DiagnosticReport').filter((d) => d.result?.some((x: any) => ids.has(x.reference)));
  }

  /** The encounters these resources happened at (acceptable context: the visit of a reading). */
  encountersOf(rs: Json[]): Json[] {
    const ids = new Set(rs.map((r) => r.encounter?.reference).filter(Boolean));
    return this.of('Encounter').filter((e) => ids.has(`urn:uuid:${e.id}`));
  }
}
