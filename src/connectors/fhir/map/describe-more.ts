import { arr, choiceValue, conceptText, displayDate, humanName, isObj, quantity, str, type Json } from './datatypes.ts';
import { documentText, stripMarkup } from './document-text.ts';

/** What describe needs to name referenced resources. */
export interface Resolver {
  resolve(reference: string, from?: Json): Json | undefined;
}

export type Head = { head: string; lines: string[] };

const ANSWER_LINES = 200;
const NARRATIVE_MAX = 2000;

const list = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))].join(', ') || undefined;
const concepts = (v: unknown) => list(arr(v).map(conceptText));

/** The name of a referenced resource: the reference's display, else the resolved resource's name. */
export function refName(ref: unknown, ctx: Resolver, from?: Json): string | undefined {
  if (!isObj(ref)) return undefined;
  const display = str(ref.display);
  if (display) return display;
  const target = typeof ref.reference === 'string' ? ctx.resolve(ref.reference, from) : undefined;
  if (!target) return undefined;
  return (
    humanName(target.name) ??
    str(target.name) ??
    str(target.title) ??
    conceptText(target.code) ??
    conceptText(target.medicationCodeableConcept) ??
    conceptText(target.vaccineCode) ??
    arr(target.deviceName).map((d) => (isObj(d) ? str(d.name) : undefined)).find(Boolean) ??
    conceptText(target.type)
  );
}

/** "Boston, MA" of an Address (never the street: enough to tell places apart). */
function place(a: unknown): string | undefined {
  const addr = arr(a).find(isObj);
  return addr ? list([str(addr.city), str(addr.state), str(addr.country)]) : undefined;
}

/** Question/answer lines of a QuestionnaireResponse, nested items included. */
function answers(items: unknown, out: string[], depth = 0) {
  for (const it of arr(items)) {
    if (!isObj(it) || out.length >= ANSWER_LINES || depth > 8) continue;
    const q = str(it.text) ?? str(it.linkId) ?? 'Question';
    const values = arr(it.answer).map((a) => (isObj(a) ? choiceValue(a, 'value') : undefined)).filter(Boolean);
    if (values.length) out.push(`${q}: ${values.join(', ')}`);
    answers(it.item, out, depth + 1);
    for (const a of arr(it.answer)) if (isObj(a)) answers(a.item, out, depth + 1);
  }
}

/** Readable text of a resource's own narrative (`text.div`), capped. */
export function narrative(r: Json): string | undefined {
  const div = isObj(r.text) ? str(r.text.div) : undefined;
  const text = div ? stripMarkup(div) : undefined;
  return text ? text.slice(0, NARRATIVE_MAX) : undefined;
}

/** Heads and lines of the types summarize.ts does not handle itself; undefined for the rest. */
export function describeMore(r: Json, ctx: Resolver): Head | undefined {
  const type = String(r.resourceType);
  const lines: string[] = [];
  const add = (label: string, v: string | undefined) => v && lines.push(`${label}: ${v}`);
  const status = typeof r.status === 'string' ? r.status : undefined;
  const notes = () => arr(r.note).forEach((n) => isObj(n) && add('Note', str(n.text)));
  switch (type) {
    case 'Appointment': {
      add('Status', status);
      add('Description', str(r.description));
      add('Reason', list([...arr(r.reasonCode).map(conceptText), ...arr(r.reasonReference).map((x) => refName(x, ctx, r))]));
      add('With', list(arr(r.participant).map((p) => (isObj(p) ? refName(p.actor, ctx, r) : undefined))));
      add('Comment', str(r.comment) ?? str(r.patientInstruction));
      const what = concepts(r.serviceType) ?? conceptText(r.appointmentType) ?? concepts(r.specialty) ?? str(r.description);
      return { head: `Appointment${what ? `: ${what}` : ''}`, lines };
    }
    case 'Communication':
    case 'CommunicationRequest': {
      add('Status', status);
      add('From', refName(r.sender, ctx, r) ?? refName(r.requester, ctx, r));
      add('To', list(arr(r.recipient).map((x) => refName(x, ctx, r))));
      add('Reason', concepts(r.reasonCode));
      for (const p of arr(r.payload)) {
        if (!isObj(p)) continue;
        const text = str(p.contentString) ?? (isObj(p.contentAttachment) ? documentText(p.contentAttachment) ?? str(p.contentAttachment.title) : undefined) ?? refName(p.contentReference, ctx, r);
        if (text) lines.push(text);
      }
      notes();
      const topic = conceptText(r.topic) ?? concepts(r.category) ?? conceptText(r.medium);
      return { head: `${type === 'Communication' ? 'Message' : 'Message request'}${topic ? `: ${topic}` : ''}`, lines };
    }
    case 'QuestionnaireResponse': {
      add('Status', status);
      answers(r.item, lines);
      const q = typeof r.questionnaire === 'string' ? ctx.resolve(r.questionnaire, r) : undefined;
      const name = (q && (str(q.title) ?? str(q.name))) ?? (typeof r.questionnaire === 'string' ? r.questionnaire.split(/[/|]/).filter(Boolean).at(-1) : undefined) ?? refName(r.questionnaire, ctx, r);
      return { head: `Questionnaire response${name ? `: ${name}` : ''}`, lines };
    }
    case 'ImagingStudy': {
      add('Status', status);
      add('Modality', list([...arr(r.modality).map((m) => conceptText(isObj(m) && m.coding === undefined ? { coding: [m] } : m)), ...arr(r.series).map((s) => (isObj(s) && isObj(s.modality) ? conceptText({ coding: [s.modality] }) : undefined))]));
      add('Body site', list(arr(r.series).map((s) => (isObj(s) && isObj(s.bodySite) ? conceptText({ coding: [s.bodySite] }) : undefined))));
      const series = arr(r.series).filter(isObj);
      if (series.length) add('Series', `${series.length} (${series.reduce((n, s) => n + arr(s.instance).length, 0)} images)`);
      add('Reason', concepts(r.reasonCode));
      const what = concepts(r.procedureCode) ?? str(r.description) ?? series.map((s) => str(s.description)).find(Boolean);
      return { head: `Imaging study${what ? `: ${what}` : ''}`, lines };
    }
    case 'Specimen': {
      add('Status', status);
      const c = isObj(r.collection) ? r.collection : {};
      add('Body site', conceptText(c.bodySite));
      add('Method', conceptText(c.method));
      add('Quantity', quantity(c.quantity));
      notes();
      return { head: `Specimen: ${conceptText(r.type) ?? 'unnamed'}`, lines };
    }
    case 'Provenance': {
      const targets = arr(r.target).filter(isObj);
      add('Records', targets.length ? String(targets.length) : undefined);
      add('Agents', list(arr(r.agent).map((a) => (isObj(a) ? refName(a.who, ctx, r) ?? conceptText(a.type) : undefined))));
      add('Reason', concepts(r.reason));
      return { head: `Provenance: ${conceptText(r.activity) ?? 'record history'}`, lines };
    }
    case 'Media': {
      add('Status', status);
      add('Body site', conceptText(r.bodySite));
      add('Modality', conceptText(r.modality));
      const content = isObj(r.content) ? r.content : {};
      add('Format', str(content.contentType));
      notes();
      const what = str(content.title) ?? conceptText(r.view) ?? conceptText(r.type) ?? conceptText(r.modality);
      return { head: `Media${what ? `: ${what}` : ''}`, lines };
    }
    case 'RiskAssessment': {
      add('Status', status);
      for (const p of arr(r.prediction)) {
        if (!isObj(p)) continue;
        const pd = typeof p.probabilityDecimal === 'number' ? `${Math.round(p.probabilityDecimal * 1000) / 10}%` : choiceValue(p, 'probability');
        add('Prediction', [conceptText(p.outcome), pd, conceptText(p.qualitativeRisk)].filter(Boolean).join(' ') || undefined);
      }
      add('Method', conceptText(r.method));
      add('Mitigation', str(r.mitigation));
      notes();
      return { head: `Risk assessment: ${conceptText(r.code) ?? conceptText(r.method) ?? concepts(r.reasonCode) ?? 'unnamed'}`, lines };
    }
    case 'FamilyMemberHistory': {
      add('Status', status);
      const conditions: string[] = [];
      for (const c of arr(r.condition)) {
        if (!isObj(c)) continue;
        const name = conceptText(c.code);
        if (!name) continue;
        const onset = choiceValue(c, 'onset');
        conditions.push(onset ? `${name} (onset ${onset})` : name);
        add('Condition', onset ? `${name} (onset ${onset})` : name);
        add('Outcome', conceptText(c.outcome));
      }
      add('Deceased', choiceValue(r, 'deceased'));
      notes();
      const who = conceptText(r.relationship) ?? str(r.name) ?? 'relative';
      return { head: `Family history: ${who}${conditions.length ? ` — ${conditions.slice(0, 5).join(', ')}` : ''}`, lines };
    }
    case 'ServiceRequest':
    case 'ProcedureRequest':
    case 'DeviceRequest': {
      add('Status', status);
      add('Intent', str(r.intent));
      add('Category', concepts(r.category));
      add('Reason', list([...arr(r.reasonCode).map(conceptText), ...arr(r.reasonReference).map((x) => refName(x, ctx, r))]));
      add('Requester', refName(r.requester, ctx, r));
      add('Performer', list(arr(r.performer).map((x) => refName(x, ctx, r))));
      notes();
      return { head: `Order: ${conceptText(r.code) ?? conceptText(r.codeCodeableConcept) ?? refName(r.codeReference, ctx, r) ?? 'unnamed'}`, lines };
    }
    case 'SupplyDelivery':
    case 'SupplyRequest': {
      add('Status', status);
      add('Type', conceptText(r.type) ?? conceptText(r.category));
      const item = isObj(r.suppliedItem) ? r.suppliedItem : r;
      add('Quantity', quantity(item.quantity));
      const what = conceptText(item.itemCodeableConcept) ?? refName(item.itemReference, ctx, r);
      return { head: `Supply ${type === 'SupplyDelivery' ? 'delivery' : 'request'}: ${what ?? 'unnamed item'}`, lines };
    }
    case 'Location':
      add('Type', concepts(r.type));
      add('Place', place(r.address));
      return { head: `Location: ${str(r.name) ?? 'unnamed'}`, lines };
    case 'PractitionerRole': {
      const who = refName(r.practitioner, ctx, r);
      add('Organization', refName(r.organization, ctx, r));
      add('Specialty', concepts(r.specialty));
      add('Location', list(arr(r.location).map((x) => refName(x, ctx, r))));
      const role = concepts(r.code);
      return { head: `Practitioner role: ${[who, role].filter(Boolean).join(', ') || 'unnamed'}`, lines };
    }
    case 'Coverage': {
      add('Status', status);
      add('Type', conceptText(r.type));
      add('Relationship', conceptText(r.relationship));
      const payor = list(arr(r.payor).map((x) => refName(x, ctx, r)));
      return { head: `Coverage: ${payor ?? conceptText(r.type) ?? 'insurance'}`, lines };
    }
    case 'Consent':
      add('Status', status);
      add('Scope', conceptText(r.scope));
      return { head: `Consent: ${concepts(r.category) ?? 'unnamed'}`, lines };
    case 'Flag':
      add('Status', status);
      return { head: `Flag: ${conceptText(r.code) ?? 'unnamed'}`, lines };
    case 'AdverseEvent':
      add('Seriousness', conceptText(r.seriousness));
      add('Outcome', conceptText(r.outcome));
      return { head: `Adverse event: ${conceptText(r.event) ?? 'unnamed'}`, lines };
    case 'Composition': {
      // A FHIR document (an International Patient Summary, a discharge summary): its sections' narrative is the text.
      add('Status', status);
      add('Author', list(arr(r.author).map((x) => refName(x, ctx, r))));
      const sections = (items: unknown, depth: number) => {
        for (const sec of arr(items)) {
          if (!isObj(sec) || depth > 4) continue;
          const body = narrative(sec);
          const title = str(sec.title) ?? conceptText(sec.code);
          if (title || body) lines.push([title, body].filter(Boolean).join(': '));
          sections(sec.section, depth + 1);
        }
      };
      sections(r.section, 0);
      return { head: `Document: ${str(r.title) ?? conceptText(r.type) ?? 'untitled'}`, lines };
    }
    default:
      return undefined;
  }
}
