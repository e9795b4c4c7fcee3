import { arr, isObj, timingStart, toIsoInstant, type Json } from './datatypes.ts';
import type { SummaryContext } from './summarize.ts';

/** Where each type keeps its clinical date, in order of preference (`a.b` walks into objects and arrays). */
const DATE_FIELDS: Record<string, string[]> = {
  Observation: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'effectiveTiming', 'issued'],
  Condition: ['onsetDateTime', 'onsetPeriod', 'onsetString', 'recordedDate', 'assertedDate', 'dateRecorded', 'abatementDateTime'],
  AllergyIntolerance: ['onsetDateTime', 'onsetPeriod', 'onsetString', 'onset', 'recordedDate', 'assertedDate', 'recordedDate', 'lastOccurrence'],
  MedicationRequest: ['authoredOn', 'dispenseRequest.validityPeriod'],
  MedicationOrder: ['dateWritten'],
  MedicationStatement: ['effectiveDateTime', 'effectivePeriod', 'dateAsserted'],
  MedicationAdministration: ['effectiveDateTime', 'effectivePeriod', 'occurenceDateTime', 'occurrenceDateTime'],
  MedicationDispense: ['whenHandedOver', 'whenPrepared'],
  Immunization: ['occurrenceDateTime', 'occurrenceString', 'date', 'recorded'],
  Procedure: ['performedDateTime', 'performedPeriod', 'performedString', 'occurrenceDateTime', 'occurrencePeriod'],
  Encounter: ['period', 'actualPeriod'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod', 'issued'],
  DocumentReference: ['date', 'context.period', 'created', 'indexed'],
  CarePlan: ['period', 'created'],
  Goal: ['startDate', 'target.dueDate', 'statusDate'],
  CareTeam: ['period'],
  Claim: ['billablePeriod', 'created'],
  ExplanationOfBenefit: ['billablePeriod', 'created'],
  ServiceRequest: ['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming', 'authoredOn'],
  Coverage: ['period'],
  FamilyMemberHistory: ['date'],
  Appointment: ['start', 'requestedPeriod', 'created'],
  AppointmentResponse: ['start'],
  Communication: ['sent', 'received'],
  CommunicationRequest: ['occurrenceDateTime', 'occurrencePeriod', 'authoredOn'],
  QuestionnaireResponse: ['authored'],
  ImagingStudy: ['started', 'series.started'],
  Specimen: ['collection.collectedDateTime', 'collection.collectedPeriod', 'receivedTime'],
  Provenance: ['recorded', 'occurredDateTime', 'occurredPeriod'],
  Media: ['createdDateTime', 'createdPeriod', 'issued'],
  RiskAssessment: ['occurrenceDateTime', 'occurrencePeriod'],
  SupplyDelivery: ['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming'],
  SupplyRequest: ['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming', 'authoredOn'],
  Device: ['manufactureDate'],
  DeviceRequest: ['occurrenceDateTime', 'occurrencePeriod', 'occurrenceTiming', 'authoredOn'],
  DeviceUseStatement: ['timingDateTime', 'timingPeriod', 'timingTiming', 'recordedOn'],
  DeviceUsage: ['timingDateTime', 'timingPeriod', 'timingTiming', 'dateAsserted'],
  Composition: ['date'],
  AdverseEvent: ['date', 'detected', 'recordedDate'],
  ClinicalImpression: ['effectiveDateTime', 'effectivePeriod', 'date'],
  Task: ['executionPeriod', 'authoredOn'],
  DetectedIssue: ['identifiedDateTime', 'identifiedPeriod'],
  ChargeItem: ['occurrenceDateTime', 'occurrencePeriod', 'enteredDate'],
  NutritionOrder: ['dateTime'],
  Consent: ['dateTime'],
  ClaimResponse: ['created'],
  AuditEvent: ['recorded'],
  VisionPrescription: ['dateWritten', 'created'],
  ProcedureRequest: ['occurrenceDateTime', 'occurrencePeriod', 'authoredOn'],
};

/** Tried after a type's own fields, and for every type not listed above. */
const GENERIC_DATES = ['effectiveDateTime', 'effectivePeriod', 'occurrenceDateTime', 'occurrencePeriod', 'date', 'period', 'issued', 'authoredOn', 'created', 'recorded', 'start'];

/** Values at a dotted path, walking into arrays; a Timing yields its first date. */
function pick(resource: Json, path: string): unknown[] {
  let cur: unknown[] = [resource];
  for (const p of path.split('.')) cur = cur.flatMap((c) => (isObj(c) ? arr(c[p]) : []));
  return cur.map((v) => (isObj(v) && (v.event !== undefined || v.repeat !== undefined) ? timingStart(v) : v));
}

/**
 * The raw clinical date of a resource (a FHIR date, dateTime, instant or Period): the type's own
 * fields first, then common ones; a Binary takes its document's, a dateless Goal its care plan's.
 */
export function clinicalDate(r: Json, ctx: SummaryContext): unknown {
  if (r.resourceType === 'Binary' && typeof r.id === 'string') {
    const doc = ctx.documentFor(r.id);
    return doc ? clinicalDate(doc, ctx) : undefined;
  }
  for (const f of [...(DATE_FIELDS[String(r.resourceType)] ?? []), ...GENERIC_DATES]) {
    for (const v of pick(r, f)) if (v !== undefined && toIsoInstant(v)) return v;
  }
  if (r.resourceType === 'Goal') {
    // A goal without dates dates from its care plan, else from the condition it addresses.
    const plan = ctx.planFor?.(r);
    if (plan) return clinicalDate(plan, ctx);
    for (const a of arr(r.addresses)) {
      const cond = isObj(a) && typeof a.reference === 'string' ? ctx.resolve(a.reference, r) : undefined;
      const d = cond && cond.resourceType !== 'Goal' ? clinicalDate(cond, ctx) : undefined;
      if (d) return d;
    }
  }
  return undefined;
}

