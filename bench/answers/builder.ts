import { billingOf } from './billing.ts';
import { SNOMED, SYS, type Code } from './codes.ts';
import { SECURITY, concept, ref, type Json, type Security } from './fhir-json.ts';
import { addDays, localTime, type Rng } from './rng.ts';

export type { Json, Security };

/** One visit: its resources are written as they happen, its Claim and EOB when the bundle is built. */
export interface Visit {
  id: string;
  day: number;
  start: string;
  end: string;
  type: Code;
  class: 'AMB' | 'EMER' | 'IMP';
  security?: Security[];
  /** Billed lines (SNOMED procedures and diagnoses, CVX vaccines) and their prices. */
  lines: { system: string; code: Code; price: number }[];
  diagnoses: string[];
}

export interface PatientInfo {
  given: string;
  family: string;
  gender: 'male' | 'female';
  birthDate: string;
  city: string;
}

/**
 * Builds one patient's history as Synthea does: a Patient, then visits that each carry their
 * observations, conditions, orders and vaccines, and a Claim plus an ExplanationOfBenefit for
 * every encounter (the billing noise real exports are full of).
 */
export class PatientBuilder {
  readonly patientId: string;
  private readonly entries: Json[] = [];
  private readonly visits: Visit[] = [];
  private readonly practitioner = { id: '', name: '' };
  private readonly org = { id: '', name: '' };

  constructor(private readonly rng: Rng, readonly info: PatientInfo) {
    this.patientId = rng.uuid();
    this.practitioner = { id: rng.uuid(), name: `Dr. ${rng.pick(['Oliver401', 'Maia12', 'Rafael88', 'Jenna310'])} ${rng.pick(['Barton704', 'Lind215', 'Okafor37', 'Hahn503'])}` };
    this.org = { id: rng.uuid(), name: rng.pick(['PCP17971', 'HALLMARK HEALTH SYSTEM', 'BETH ISRAEL PLYMOUTH']) };
    this.add({
      resourceType: 'Patient',
      id: this.patientId,
      name: [{ use: 'official', family: info.family, given: [info.given], prefix: [info.gender === 'male' ? 'Mr.' : 'Ms.'] }],
      gender: info.gender,
      birthDate: info.birthDate,
      address: [{ line: [`${rng.int(10, 999)} ${rng.pick(['Kessler', 'Maple', 'Harbor'])} Street`], city: info.city, state: 'Massachusetts', country: 'US' }],
      telecom: [{ system: 'phone', value: `555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`, use: 'home' }],
    });
  }

  /** Adds a resource as an entry of the Bundle (with these security labels); returns its id. */
  add(resource: Json, security?: Security[]): string {
    if (security?.length) resource.meta = { security: security.map((s) => SECURITY[s]) };
    this.entries.push({ fullUrl: `urn:uuid:${resource.id}`, resource, request: { method: 'POST', url: resource.resourceType } });
    return resource.id;
  }

  private get subject() {
    return ref(this.patientId);
  }

  visit(d: number, type: Code, cls: Visit['class'] = 'AMB', opts: { days?: number; hour?: number; security?: Security[]; reason?: Code } = {}): Visit {
    const hour = opts.hour ?? this.rng.int(8, 15);
    const minute = this.rng.int(0, 59);
    const start = localTime(d, hour, minute);
    const end = opts.days ? localTime(addDays(d, opts.days), 11, minute) : localTime(d, hour, Math.min(59, minute + 15));
    const id = this.rng.uuid();
    const v: Visit = { id, day: d, start, end, type, class: cls, security: opts.security, lines: [], diagnoses: [] };
    const base = cls === 'IMP' ? this.rng.around(9000, 3000, 2) : cls === 'EMER' ? this.rng.around(1200, 300, 2) : this.rng.around(140, 40, 2);
    v.lines.push({ system: SYS.snomed, code: type, price: base });
    this.add(
      {
        resourceType: 'Encounter',
        id,
        status: 'finished',
        class: { system: SYS.actCode, code: cls },
        type: [concept(SYS.snomed, type)],
        subject: this.subject,
        participant: [{ individual: ref(this.practitioner.id, this.practitioner.name) }],
        period: { start, end },
        ...(opts.reason ? { reasonCode: [concept(SYS.snomed, opts.reason)] } : {}),
        serviceProvider: ref(this.org.id, this.org.name),
      },
      opts.security,
    );
    this.visits.push(v);
    return v;
  }

  condition(v: Visit, code: Code, opts: { resolved?: number; security?: Security[] } = {}): string {
    const id = this.rng.uuid();
    v.diagnoses.push(id);
    v.lines.push({ system: SYS.snomed, code, price: 0 });
    return this.add(
      {
        resourceType: 'Condition',
        id,
        clinicalStatus: { coding: [{ system: SYS.conditionClinical, code: opts.resolved ? 'resolved' : 'active' }] },
        verificationStatus: { coding: [{ system: SYS.conditionVer, code: 'confirmed' }] },
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
        code: concept(SYS.snomed, code),
        subject: this.subject,
        encounter: ref(v.id),
        onsetDateTime: v.start,
        recordedDate: v.start,
        ...(opts.resolved ? { abatementDateTime: localTime(opts.resolved, 10) } : {}),
      },
      opts.security ?? v.security,
    );
  }

  medication(v: Visit, code: Code, status: 'active' | 'stopped' | 'completed', opts: { reason?: string; dosage?: string; security?: Security[] } = {}): string {
    return this.add(
      {
        resourceType: 'MedicationRequest',
        id: this.rng.uuid(),
        status,
        intent: 'order',
        medicationCodeableConcept: concept(SYS.rxnorm, code),
        subject: this.subject,
        encounter: ref(v.id),
        authoredOn: v.start,
        requester: ref(this.practitioner.id, this.practitioner.name),
        ...(opts.reason ? { reasonReference: [ref(opts.reason)] } : {}),
        ...(opts.dosage ? { dosageInstruction: [{ sequence: 1, text: opts.dosage }] } : {}),
      },
      opts.security ?? v.security,
    );
  }

  allergy(v: Visit, code: Code, reaction: Code, criticality: 'low' | 'high' = 'low'): string {
    return this.add({
      resourceType: 'AllergyIntolerance',
      id: this.rng.uuid(),
      clinicalStatus: { coding: [{ system: SYS.allergyClinical, code: 'active' }] },
      verificationStatus: { coding: [{ system: SYS.allergyVer, code: 'confirmed' }] },
      type: 'allergy',
      category: [code === SNOMED.penicillinAllergy || code === SNOMED.sulfaAllergy ? 'medication' : code === SNOMED.latexAllergy ? 'environment' : 'food'],
      criticality,
      code: concept(SYS.snomed, code),
      patient: this.subject,
      recordedDate: v.start,
      reaction: [{ manifestation: [concept(SYS.snomed, reaction)], severity: criticality === 'high' ? 'severe' : 'mild' }],
    });
  }

  immunization(v: Visit, code: Code): string {
    v.lines.push({ system: SYS.cvx, code, price: 140.52 });
    return this.add({
      resourceType: 'Immunization',
      id: this.rng.uuid(),
      status: 'completed',
      vaccineCode: concept(SYS.cvx, code),
      patient: this.subject,
      encounter: ref(v.id),
      occurrenceDateTime: v.start,
      primarySource: true,
    });
  }

  observation(v: Visit, code: Code, value: number, unit: string, category: 'vital-signs' | 'laboratory', opts: { range?: [number, number]; security?: Security[] } = {}): string {
    return this.add(
      {
        resourceType: 'Observation',
        id: this.rng.uuid(),
        status: 'final',
        category: [{ coding: [{ system: SYS.obsCategory, code: category, display: category === 'laboratory' ? 'Laboratory' : 'vital-signs' }] }],
        code: concept(SYS.loinc, code),
        subject: this.subject,
        encounter: ref(v.id),
        effectiveDateTime: v.start,
        issued: v.start,
        valueQuantity: { value, unit, system: SYS.ucum, code: unit },
        ...(opts.range ? { referenceRange: [{ low: { value: opts.range[0], unit }, high: { value: opts.range[1], unit } }] } : {}),
      },
      opts.security ?? v.security,
    );
  }

  bloodPressure(v: Visit, systolic: number, diastolic: number, panel: Code, sys: Code, dia: Code): string {
    const comp = (c: Code, value: number) => ({ code: concept(SYS.loinc, c), valueQuantity: { value, unit: 'mm[Hg]', system: SYS.ucum, code: 'mm[Hg]' } });
    return this.add({
      resourceType: 'Observation',
      id: this.rng.uuid(),
      status: 'final',
      category: [{ coding: [{ system: SYS.obsCategory, code: 'vital-signs', display: 'vital-signs' }] }],
      code: concept(SYS.loinc, panel),
      subject: this.subject,
      encounter: ref(v.id),
      effectiveDateTime: v.start,
      issued: v.start,
      component: [comp(dia, diastolic), comp(sys, systolic)],
    });
  }

  report(v: Visit, code: Code, results: string[], opts: { security?: Security[] } = {}): string {
    return this.add(
      {
        resourceType: 'DiagnosticReport',
        id: this.rng.uuid(),
        status: 'final',
        category: [{ coding: [{ system: SYS.v20074, code: 'LAB', display: 'Laboratory' }] }],
        code: concept(SYS.loinc, code),
        subject: this.subject,
        encounter: ref(v.id),
        effectiveDateTime: v.start,
        issued: v.start,
        result: results.map((r) => ref(r)),
      },
      opts.security ?? v.security,
    );
  }

  procedure(v: Visit, code: Code, opts: { reason?: string } = {}): string {
    v.lines.push({ system: SYS.snomed, code, price: this.rng.around(900, 500, 2) });
    return this.add({
      resourceType: 'Procedure',
      id: this.rng.uuid(),
      status: 'completed',
      code: concept(SYS.snomed, code),
      subject: this.subject,
      encounter: ref(v.id),
      performedPeriod: { start: v.start, end: v.end },
      ...(opts.reason ? { reasonReference: [ref(opts.reason)] } : {}),
    });
  }

  /** A clinical note (DocumentReference with its text inline, as Synthea writes notes). */
  note(v: Visit, type: Code, text: string, security?: Security[]): string {
    return this.add(
      {
        resourceType: 'DocumentReference',
        id: this.rng.uuid(),
        status: 'current',
        type: concept(SYS.loinc, type),
        subject: this.subject,
        date: v.start,
        author: [ref(this.practitioner.id, this.practitioner.name)],
        content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text).toString('base64') } }],
        context: { encounter: [ref(v.id)], period: { start: v.start, end: v.end } },
      },
      security ?? v.security,
    );
  }

  /** The transaction Bundle, each encounter followed by its Claim and ExplanationOfBenefit. */
  bundle(): Json {
    const billing = this.visits.flatMap((v) => billingOf(v, this.rng, { patientId: this.patientId, org: this.org, practitioner: this.practitioner }));
    const entries = [...this.entries, ...billing.map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r, request: { method: 'POST', url: r.resourceType } }))];
    return { resourceType: 'Bundle', type: 'transaction', entry: entries };
  }
}

