import { arr, choiceValue, codeLabels, conceptText, displayDate, humanName, isObj, referenceDisplay, str, toIsoInstant, type Json } from './datatypes.ts';
import { observationSummary } from './observation.ts';
import { documentText } from './document-text.ts';
import { describeMore, narrative, refName } from './describe-more.ts';
import { clinicalDate } from './dates.ts';

/** What the mapper needs from other resources of the same import (referenced Medications, DocumentReferences of a Binary). */
export interface SummaryContext {
  /** The referenced resource; `from` is the referring resource (for `#id` contained references). */
  resolve(reference: string, from?: Json): Json | undefined;
  /** The DocumentReference whose attachment points at this Binary, if any. */
  documentFor(binaryId: string): Json | undefined;
  /** The CarePlan listing this Goal, if any. */
  planFor?(goal: Json): Json | undefined;
}

export interface Summary {
  title: string;
  text: string;
  effectiveAt: string | null;
  categories: string[];
}

const TITLE_MAX = 300;
const TEXT_MAX = 200_000;

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
  const med = ref && typeof ref.reference === 'string' ? ctx.resolve(ref.reference, r) : undefined;
  return (med && conceptText(med.code)) ?? referenceDisplay(ref);
}

type Head = { head: string; lines: string[] };

/** Text of inline attachments (Synthea puts notes as base64 in DocumentReference and DiagnosticReport), each once. */
function attachmentTexts(attachments: unknown[]): string[] {
  const out = new Set<string>();
  for (const a of attachments) {
    const t = isObj(a) ? documentText(a) : undefined;
    if (t) out.add(t);
  }
  return [...out];
}

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
      add('Onset', choiceValue(r, 'onset'));
      add('Resolved', choiceValue(r, 'abatement'));
      for (const n of arr(r.note)) if (isObj(n)) add('Note', str(n.text));
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
      for (const d of arr(r.dosageInstruction ?? r.dosage)) if (isObj(d)) add('Dosage', str(d.text) ?? str(d.patientInstruction) ?? choiceValue({ doseQuantity: d.dose }, 'dose') ?? choiceValue({ doseQuantity: arr(d.doseAndRate).map((x) => (isObj(x) ? x.doseQuantity : undefined)).find(isObj) }, 'dose'));
      add('Quantity', choiceValue({ xQuantity: r.quantity }, 'x'));
      add('Days supply', choiceValue({ xQuantity: r.daysSupply }, 'x'));
      add('Prescriber', refName(r.requester, ctx, r) ?? refName(r.prescriber, ctx, r));
      add('Performer', arr(r.performer).map((p) => (isObj(p) ? refName(p.actor, ctx, r) : undefined)).filter(Boolean).join(', ') || undefined);
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
      add('Performed', typeof r.performedString === 'string' || r.performedAge || r.performedRange ? choiceValue(r, 'performed') : undefined);
      add('Performer', arr(r.performer).map((p) => (isObj(p) ? refName(p.actor, ctx, r) : undefined)).filter(Boolean).join(', ') || undefined);
      add('Reason', [...new Set([...arr(r.reasonCode).map(conceptText), ...arr(r.reasonReference).map((x) => refName(x, ctx, r))].filter(Boolean))].join(', ') || undefined);
      add('Body site', arr(r.bodySite).map(conceptText).filter(Boolean).join(', ') || undefined);
      add('Outcome', conceptText(r.outcome));
      for (const n of arr(r.note)) if (isObj(n)) add('Note', str(n.text));
      return { head: `Procedure: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    case 'Encounter': {
      const kind = arr(r.type).map(conceptText).find(Boolean) ?? (isObj(r.class) ? conceptText({ coding: [r.class] }) : undefined) ?? 'Visit';
      add('Status', status(r));
      add('Reason', arr(r.reasonCode).map(conceptText).filter(Boolean).join(', ') || undefined);
      add('Location', arr(r.location).map((l) => (isObj(l) ? refName(l.location, ctx, r) : undefined)).filter(Boolean).join(', ') || undefined);
      add('Clinicians', [...new Set(arr(r.participant).map((p) => (isObj(p) ? refName(p.individual, ctx, r) : undefined)).filter(Boolean))].join(', ') || undefined);
      add('Provider', refName(r.serviceProvider, ctx, r));
      return { head: `Encounter: ${kind}`, lines };
    }
    case 'DiagnosticReport':
      add('Status', status(r));
      add('Conclusion', str(r.conclusion));
      add('Results', arr(r.result).map((x) => refName(x, ctx, r)).filter(Boolean).join(', ') || undefined);
      add('Performer', arr(r.performer).map((x) => refName(x, ctx, r)).filter(Boolean).join(', ') || undefined);
      lines.push(...attachmentTexts(arr(r.presentedForm)));
      return { head: `Report: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    case 'DocumentReference':
      add('Status', status(r));
      add('Author', arr(r.author).map((x) => refName(x, ctx, r)).filter(Boolean).join(', ') || undefined);
      add('Format', arr(r.content).map((c) => (isObj(c) && isObj(c.format) ? str(c.format.display) : undefined)).find(Boolean));
      // Inline data, or a Binary contained in the document itself (one outside it is an item of its own).
      lines.push(
        ...attachmentTexts(
          arr(r.content).map((c) => {
            const a = isObj(c) && isObj(c.attachment) ? c.attachment : undefined;
            const url = a ? str(a.url) : undefined;
            return a && !a.data && url?.startsWith('#') ? ctx.resolve(url, r) : a;
          }),
        ),
      );
      return { head: `Document: ${str(r.description) ?? conceptText(r.type) ?? 'untitled'}`, lines };
    case 'Binary': {
      const doc = typeof r.id === 'string' ? ctx.documentFor(r.id) : undefined;
      const name = doc ? str(doc.description) ?? conceptText(doc.type) ?? conceptText(doc.code) : undefined;
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
      add('Qualification', arr(r.qualification).map((q) => (isObj(q) ? conceptText(q.code) : undefined)).filter(Boolean).join(', ') || undefined);
      return { head: `Practitioner: ${humanName(r.name) ?? 'unnamed'}`, lines };
    case 'Organization':
      add('Type', arr(r.type).map(conceptText).filter(Boolean).join(', ') || undefined);
      add('Place', arr(r.address).filter(isObj).map((a) => [str(a.city), str(a.state)].filter(Boolean).join(', ')).find(Boolean));
      return { head: `Organization: ${str(r.name) ?? 'unnamed'}`, lines };
    case 'CareTeam': {
      add('Status', status(r));
      add('Members', arr(r.participant).map((p) => (isObj(p) ? refName(p.member, ctx, r) : undefined)).filter(Boolean).join(', ') || undefined);
      const reason = arr(r.reasonCode).map(conceptText).filter(Boolean).join(', ') || undefined;
      add('Reason', reason);
      add('Organization', arr(r.managingOrganization).map((x) => refName(x, ctx, r)).filter(Boolean).join(', ') || undefined);
      return { head: `Care team: ${str(r.name) ?? (reason ? `for ${reason}` : arr(r.category).map(conceptText).find(Boolean) ?? 'unnamed')}`, lines };
    }
    case 'Device':
      add('Status', status(r));
      add('Type', conceptText(r.type));
      add('Manufacturer', str(r.manufacturer));
      add('Model', str(r.modelNumber));
      add('Expires', displayDate(r.expirationDate));
      return { head: `Device: ${arr(r.deviceName).map((d) => (isObj(d) ? str(d.name) : undefined)).find(Boolean) ?? conceptText(r.type) ?? 'unnamed'}`, lines };
    case 'Claim':
    case 'ExplanationOfBenefit': {
      add('Status', status(r));
      add('Total', choiceValue({ xMoney: isObj(r.total) ? r.total : arr(r.total).map((t) => (isObj(t) ? t.amount : undefined))[0] }, 'x'));
      const services = arr(r.item).map((i) => (isObj(i) ? conceptText(i.productOrService) : undefined)).filter(Boolean);
      add('Services', services.join(', ') || undefined);
      add('Diagnoses', arr(r.diagnosis).map((d) => (isObj(d) ? conceptText(d.diagnosisCodeableConcept) ?? refName(d.diagnosisReference, ctx, r) : undefined)).filter(Boolean).join(', ') || undefined);
      add('Provider', refName(r.provider, ctx, r));
      add('Insurer', refName(r.insurer, ctx, r));
      add('Prescription', refName(r.prescription, ctx, r));
      add('Payment', isObj(r.payment) ? choiceValue({ xMoney: r.payment.amount }, 'x') : undefined);
      const kind = conceptText(r.type);
      const what = services.length ? `${services.slice(0, 3).join(', ')}${services.length > 3 ? ', …' : ''}` : refName(r.prescription, ctx, r);
      return { head: `${type === 'Claim' ? 'Claim' : 'Explanation of benefit'}${kind ? ` (${kind})` : ''}: ${what ?? 'no services listed'}`, lines };
    }
    default: {
      const more = describeMore(r, ctx);
      if (more) return more;
      const name = conceptText(r.code) ?? str(r.name) ?? humanName(r.name) ?? str(r.title) ?? conceptText(r.type) ?? str(r.description);
      add('Status', status(r));
      add('Summary', narrative(r));
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
