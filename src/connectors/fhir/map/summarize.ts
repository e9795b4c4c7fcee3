import { arr, choiceValue, codeLabels, conceptText, displayDate, humanName, isObj, referenceDisplay, str, toIsoInstant, type Json } from './datatypes.ts';
import { observationSummary } from './observation.ts';
import { documentText } from './document-text.ts';

/** What the mapper needs from other resources of the same import (referenced Medications, DocumentReferences of a Binary). */
export interface SummaryContext {
  resolve(reference: string): Json | undefined;
  /** The DocumentReference whose attachment points at this Binary, if any. */
  documentFor(binaryId: string): Json | undefined;
}

export interface Summary {
  title: string;
  text: string;
  effectiveAt: string | null;
  categories: string[];
}

const TITLE_MAX = 300;
const TEXT_MAX = 200_000;

/** Where each type keeps its clinical date, in order of preference. */
const DATE_FIELDS: Record<string, string[]> = {
  Observation: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'],
  Condition: ['onsetDateTime', 'onsetPeriod', 'recordedDate', 'dateRecorded', 'abatementDateTime'],
  AllergyIntolerance: ['onsetDateTime', 'onsetPeriod', 'onset', 'recordedDate', 'lastOccurrence'],
  MedicationRequest: ['authoredOn'],
  MedicationOrder: ['dateWritten'],
  MedicationStatement: ['effectiveDateTime', 'effectivePeriod', 'dateAsserted'],
  MedicationAdministration: ['effectiveDateTime', 'effectivePeriod'],
  MedicationDispense: ['whenHandedOver', 'whenPrepared'],
  Immunization: ['occurrenceDateTime', 'date', 'recorded'],
  Procedure: ['performedDateTime', 'performedPeriod'],
  Encounter: ['period'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod', 'issued'],
  DocumentReference: ['date', 'context.period'],
  CarePlan: ['period', 'created'],
  Goal: ['startDate', 'statusDate'],
  CareTeam: ['period'],
  Claim: ['billablePeriod', 'created'],
  ExplanationOfBenefit: ['billablePeriod', 'created'],
  ServiceRequest: ['occurrenceDateTime', 'occurrencePeriod', 'authoredOn'],
  Coverage: ['period'],
  FamilyMemberHistory: ['date'],
};

function pick(resource: Json, path: string): unknown {
  let cur: unknown = resource;
  for (const p of path.split('.')) cur = isObj(cur) ? cur[p] : undefined;
  return cur;
}

function clinicalDate(r: Json, ctx: SummaryContext): unknown {
  if (r.resourceType === 'Binary' && typeof r.id === 'string') {
    const doc = ctx.documentFor(r.id);
    return doc ? clinicalDate(doc, ctx) : undefined;
  }
  for (const f of DATE_FIELDS[String(r.resourceType)] ?? ['date', 'effectiveDateTime', 'period', 'issued']) {
    const v = pick(r, f);
    if (v !== undefined && toIsoInstant(v)) return v;
  }
  return undefined;
}

/** Category codes of the resource (`vital-signs`, `laboratory`, `problem-list-item`, …). */
export function categoriesOf(r: Json): string[] {
  const out = new Set<string>();
  for (const cat of arr(r.category)) {
    if (!isObj(cat)) continue;
    for (const c of arr(cat.coding)) if (isObj(c) && typeof c.code === 'string' && c.code.trim()) out.add(c.code.trim().slice(0, 100));
    if (!arr(cat.coding).length && typeof cat.text === 'string' && cat.text.trim()) out.add(cat.text.trim().toLowerCase().slice(0, 100));
  }
  return [...out].filter((c) => !/[\u0000-\u001f]/.test(c)).slice(0, 20);
}

function status(r: Json, field = 'status'): string | undefined {
  const v = r[field];
  return typeof v === 'string' ? v : conceptText(v)?.toLowerCase();
}

function medicationName(r: Json, ctx: SummaryContext): string | undefined {
  const byCode = conceptText(r.medicationCodeableConcept);
  if (byCode) return byCode;
  const ref = isObj(r.medicationReference) ? r.medicationReference : undefined;
  const med = ref && typeof ref.reference === 'string' ? ctx.resolve(ref.reference) : undefined;
  return (med && conceptText(med.code)) ?? referenceDisplay(ref);
}

type Head = { head: string; lines: string[] };

/** One-line head and detail lines of each resource type we know well. */
function describe(r: Json, ctx: SummaryContext): Head {
  const type = String(r.resourceType);
  const lines: string[] = [];
  const add = (label: string, v: string | undefined) => v && lines.push(`${label}: ${v}`);
  switch (type) {
    case 'Observation':
      return observationSummary(r);
    case 'Condition': {
      add('Clinical status', status(r, 'clinicalStatus'));
      add('Verification', status(r, 'verificationStatus'));
      add('Severity', conceptText(r.severity));
      add('Body site', arr(r.bodySite).map(conceptText).filter(Boolean).join(', ') || undefined);
      add('Resolved', choiceValue(r, 'abatement'));
      return { head: `Condition: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    }
    case 'AllergyIntolerance': {
      add('Clinical status', status(r, 'clinicalStatus'));
      add('Verification', status(r, 'verificationStatus'));
      add('Criticality', str(r.criticality));
      const reactions = arr(r.reaction).flatMap((x) => (isObj(x) ? arr(x.manifestation).map(conceptText) : [])).filter(Boolean);
      add('Reactions', reactions.join(', ') || undefined);
      // DSTU2 named the allergen `substance`.
      return { head: `Allergy: ${conceptText(r.code) ?? conceptText(r.substance) ?? 'unnamed substance'}`, lines };
    }
    case 'MedicationRequest':
    case 'MedicationOrder':
    case 'MedicationStatement':
    case 'MedicationAdministration':
    case 'MedicationDispense': {
      add('Status', status(r));
      for (const d of arr(r.dosageInstruction ?? r.dosage)) if (isObj(d)) add('Dosage', str(d.text) ?? str(d.patientInstruction));
      add('Prescriber', referenceDisplay(r.requester));
      add('Reason', arr(r.reasonCode).map(conceptText).filter(Boolean).join(', ') || undefined);
      return { head: `Medication: ${medicationName(r, ctx) ?? 'unnamed'}`, lines };
    }
    case 'Medication': {
      add('Form', conceptText(r.form));
      for (const i of arr(r.ingredient)) if (isObj(i)) add('Ingredient', conceptText(i.itemCodeableConcept) ?? referenceDisplay(i.itemReference));
      return { head: `Medication: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    }
    case 'Immunization':
      add('Status', status(r));
      add('Site', conceptText(r.site));
      add('Dose', choiceValue({ doseQuantity: r.doseQuantity }, 'dose'));
      return { head: `Immunization: ${conceptText(r.vaccineCode) ?? 'unnamed vaccine'}`, lines };
    case 'Procedure':
      add('Status', status(r));
      add('Performer', arr(r.performer).map((p) => (isObj(p) ? referenceDisplay(p.actor) : undefined)).filter(Boolean).join(', ') || undefined);
      add('Reason', arr(r.reasonCode).map(conceptText).filter(Boolean).join(', ') || undefined);
      return { head: `Procedure: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    case 'Encounter': {
      const kind = arr(r.type).map(conceptText).find(Boolean) ?? (isObj(r.class) ? conceptText({ coding: [r.class] }) : undefined) ?? 'Visit';
      add('Status', status(r));
      add('Reason', arr(r.reasonCode).map(conceptText).filter(Boolean).join(', ') || undefined);
      add('Location', arr(r.location).map((l) => (isObj(l) ? referenceDisplay(l.location) : undefined)).filter(Boolean).join(', ') || undefined);
      add('Provider', referenceDisplay(r.serviceProvider));
      return { head: `Encounter: ${kind}`, lines };
    }
    case 'DiagnosticReport':
      add('Status', status(r));
      add('Conclusion', str(r.conclusion));
      add('Results', arr(r.result).map(referenceDisplay).filter(Boolean).join(', ') || undefined);
      return { head: `Report: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    case 'DocumentReference':
      add('Status', status(r));
      add('Author', arr(r.author).map(referenceDisplay).filter(Boolean).join(', ') || undefined);
      add('Format', arr(r.content).map((c) => (isObj(c) && isObj(c.format) ? str(c.format.display) : undefined)).find(Boolean));
      return { head: `Document: ${str(r.description) ?? conceptText(r.type) ?? 'untitled'}`, lines };
    case 'Binary': {
      const doc = typeof r.id === 'string' ? ctx.documentFor(r.id) : undefined;
      const name = doc ? str(doc.description) ?? conceptText(doc.type) : undefined;
      const body = documentText(r);
      if (body) lines.push(body);
      return { head: `Document text: ${name ?? str(r.contentType) ?? 'attachment'}`, lines };
    }
    case 'CarePlan':
      add('Status', status(r));
      add('Description', str(r.description));
      for (const a of arr(r.activity)) if (isObj(a) && isObj(a.detail)) add('Activity', conceptText(a.detail.code) ?? str(a.detail.description));
      return { head: `Care plan: ${str(r.title) ?? arr(r.category).map(conceptText).find(Boolean) ?? 'untitled'}`, lines };
    case 'Goal':
      add('Status', str(r.lifecycleStatus) ?? status(r));
      add('Achievement', conceptText(r.achievementStatus));
      for (const t of arr(r.target)) if (isObj(t)) add('Target', [conceptText(t.measure), choiceValue(t, 'detail')].filter(Boolean).join(' '));
      return { head: `Goal: ${conceptText(r.description) ?? 'unnamed'}`, lines };
    case 'Patient':
      add('Born', displayDate(r.birthDate));
      add('Gender', str(r.gender));
      return { head: `Patient: ${humanName(r.name) ?? 'unnamed'}`, lines };
    case 'Practitioner':
      return { head: `Practitioner: ${humanName(r.name) ?? 'unnamed'}`, lines };
    case 'Organization':
      return { head: `Organization: ${str(r.name) ?? 'unnamed'}`, lines };
    case 'CareTeam':
      add('Status', status(r));
      add('Members', arr(r.participant).map((p) => (isObj(p) ? referenceDisplay(p.member) : undefined)).filter(Boolean).join(', ') || undefined);
      return { head: `Care team: ${str(r.name) ?? 'unnamed'}`, lines };
    case 'Device':
      add('Status', status(r));
      return { head: `Device: ${arr(r.deviceName).map((d) => (isObj(d) ? str(d.name) : undefined)).find(Boolean) ?? conceptText(r.type) ?? 'unnamed'}`, lines };
    case 'Claim':
    case 'ExplanationOfBenefit': {
      add('Status', status(r));
      add('Total', choiceValue({ xMoney: isObj(r.total) ? r.total : arr(r.total).map((t) => (isObj(t) ? t.amount : undefined))[0] }, 'x'));
      const services = arr(r.item).map((i) => (isObj(i) ? conceptText(i.productOrService) : undefined)).filter(Boolean);
      add('Services', services.join(', ') || undefined);
      return { head: `${type === 'Claim' ? 'Claim' : 'Explanation of benefit'}: ${conceptText(r.type) ?? 'unnamed'}`, lines };
    }
    default: {
      const name = conceptText(r.code) ?? str(r.name) ?? str(r.title) ?? conceptText(r.type) ?? str(r.description);
      add('Status', status(r));
      return { head: `${type}${name ? `: ${name}` : ''}`, lines };
    }
  }
}

/** The vault item fields of one FHIR resource: readable title and text, clinical date, categories. */
export function summarize(r: Json, ctx: SummaryContext): Summary {
  const { head, lines } = describe(r, ctx);
  const rawDate = clinicalDate(r, ctx);
  const effectiveAt = toIsoInstant(rawDate) ?? null;
  const day = displayDate(rawDate);
  const title = (day && r.resourceType !== 'Patient' ? `${head}, ${day}` : head).slice(0, TITLE_MAX);
  const codeField = r.resourceType === 'Immunization' ? r.vaccineCode : String(r.resourceType).startsWith('Medication') && r.resourceType !== 'Medication' ? r.medicationCodeableConcept : r.code ?? r.substance ?? r.type;
  const codes = [...new Set([...codeLabels(codeField), ...arr(r.component).flatMap((c) => (isObj(c) ? codeLabels(c.code) : []))])];
  const categories = categoriesOf(r);
  const textLines = [title, ...lines];
  if (codes.length) textLines.push(`Codes: ${codes.join(', ')}`);
  if (categories.length) textLines.push(`Category: ${categories.join(', ')}`);
  return { title, text: textLines.join('\n').slice(0, TEXT_MAX), effectiveAt, categories };
}
