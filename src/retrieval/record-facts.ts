import { arr, choiceValue, conceptText, isObj, str, systemLabel, type Json } from '../connectors/fhir/map/datatypes.ts';
import { observationSummary } from '../connectors/fhir/map/observation.ts';

/**
 * The structure of one record that shapes a context: its codes, whether it is current, its
 * value, its name. Read from the decrypted resource at question time (the database only holds it
 * sealed), for AI-readable items only.
 */
export interface RecordFacts {
  /** `loinc:4548-4`, `snomed:44054006`, `cvx:140`, `v3:EMER`… */
  codes: string[];
  /** The record's own name: the condition, the medication, the vaccine, the test. */
  name: string;
  /** Lower-cased words to match topics against (name, code displays, reasons). */
  haystack: string;
  /** true current/active, false stopped/resolved/completed, undefined unknown or not applicable. */
  active?: boolean;
  /** A status word worth showing ("active", "resolved", "stopped"). */
  status?: string;
  /** Entered in error, cancelled before it happened: never shown. */
  void: boolean;
  /** An Observation's value ("121/80 mmHg", "7.2 %"), without its name. */
  value?: string;
  /** Start and end of what the record covers (onset/abatement, a medication's period, a stay). */
  since?: string;
  until?: string;
  /** A reference range as written ("4.0 to 5.6 %"). */
  range?: string;
  /** Encounter class code (AMB, EMER, IMP). */
  encounterClass?: string;
  /** The id of the encounter the record belongs to (a billing record: the one it bills). */
  encounterRef?: string;
  /** Ids of the records given as its reasons (a medication's condition). */
  reasons: string[];
  /** A billing record's total and payment. */
  total?: string;
  paid?: string;
}

const SHORT: Record<string, string> = { 'ICD-10-CM': 'icd10', 'ICD-10': 'icd10', 'ICD-9-CM': 'icd9', 'RxNorm': 'rxnorm' };

/** `system:code` of a coding, with our short system names (`v3` for HL7 v3 code systems). */
export function codeKey(system: unknown, code: unknown): string | undefined {
  const c = str(code);
  if (!c) return undefined;
  const label = systemLabel(system);
  if (label) return `${SHORT[label] ?? label.toLowerCase()}:${c}`;
  if (typeof system === 'string' && /v3-|hl7\.org\/fhir\/v3\//.test(system)) return `v3:${c}`;
  return undefined;
}

function codesOf(cc: unknown): string[] {
  return arr(isObj(cc) ? cc.coding : undefined)
    .filter(isObj)
    .map((c) => codeKey(c.system, c.code))
    .filter((x): x is string => !!x);
}

function displays(cc: unknown): string[] {
  if (!isObj(cc)) return [];
  return [str(cc.text), ...arr(cc.coding).map((c) => (isObj(c) ? str(c.display) : undefined))].filter((x): x is string => !!x);
}

/** The id a reference points at: `Encounter/abc`, `urn:uuid:abc` and `https://…/Encounter/abc` all give `abc`. */
export function refId(ref: unknown): string | undefined {
  return typeof ref === 'string' ? ref.match(/([A-Za-z0-9.-]{1,200})$/)?.[1] : undefined;
}

const code = (v: unknown): string | undefined => (typeof v === 'string' ? v : arr(isObj(v) ? v.coding : undefined).map((c) => (isObj(c) ? str(c.code) : undefined)).find(Boolean));
const day = (v: unknown): string | undefined => (typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?/.test(v) ? v.slice(0, 10) : undefined);
const periodOf = (r: Json, field: string): { start?: string; end?: string } => {
  const p = r[field];
  return isObj(p) ? { start: day(p.start), end: day(p.end) } : {};
};

const ACTIVE: Record<string, boolean> = {
  active: true, recurrence: true, relapse: true, 'on-hold': true, intended: true, draft: true,
  inactive: false, remission: false, resolved: false, stopped: false, completed: false, cancelled: false, ended: false, 'not-taken': false,
};

/** The main code field of each resource type. */
function mainCode(r: Json): unknown {
  switch (r.resourceType) {
    case 'Immunization':
      return r.vaccineCode;
    case 'AllergyIntolerance':
      return r.code ?? r.substance;
    case 'MedicationRequest':
    case 'MedicationStatement':
    case 'MedicationOrder':
    case 'MedicationDispense':
    case 'MedicationAdministration':
      return r.medicationCodeableConcept;
    case 'Encounter':
      return arr(r.type)[0];
    default:
      return r.code ?? r.type;
  }
}

/** Facts of a FHIR resource; `medicationName` resolves a medicationReference when the caller can. */
export function recordFacts(r: Json, opts: { medicationName?: string } = {}): RecordFacts {
  const type = String(r.resourceType ?? '');
  const main = mainCode(r);
  const codes = new Set(codesOf(main));
  for (const c of arr(r.component)) if (isObj(c)) codesOf(c.code).forEach((k) => codes.add(k));
  for (const t of arr(r.type)) codesOf(t).forEach((k) => codes.add(k));
  const cls = isObj(r.class) ? r.class : undefined;
  const encounterClass = type === 'Encounter' && cls ? str(cls.code) : undefined;
  if (encounterClass) codes.add(`v3:${encounterClass}`);
  const words = [...displays(main), ...arr(r.type).flatMap(displays), ...arr(r.reasonCode).flatMap(displays), ...arr(r.component).flatMap((c) => (isObj(c) ? displays(c.code) : []))];
  let name = conceptText(main) ?? opts.medicationName ?? '';
  if (!name && type.startsWith('Medication')) name = opts.medicationName ?? str(isObj(r.medicationReference) ? r.medicationReference.display : undefined) ?? '';
  if (opts.medicationName) words.push(opts.medicationName);
  const statusWord = code(r.clinicalStatus) ?? (typeof r.status === 'string' ? r.status : undefined);
  const encounter = isObj(r.encounter) ? r.encounter : isObj(r.context) ? r.context : undefined;
  const facts: RecordFacts = { codes: [...codes], name, haystack: '', reasons: arr(r.reasonReference).map((x) => (isObj(x) ? refId(x.reference) : undefined)).filter((x): x is string => !!x), encounterRef: refId(encounter?.reference), void: statusWord === 'entered-in-error' || code(r.verificationStatus) === 'entered-in-error' || code(r.verificationStatus) === 'refuted', status: statusWord };
  switch (type) {
    case 'Condition': {
      facts.since = day(r.onsetDateTime) ?? periodOf(r, 'onsetPeriod').start ?? day(r.recordedDate);
      facts.until = day(r.abatementDateTime) ?? periodOf(r, 'abatementPeriod').end;
      const st = code(r.clinicalStatus);
      facts.active = st ? ACTIVE[st] : facts.until ? false : undefined;
      facts.status = st ?? (facts.until ? 'resolved' : undefined);
      break;
    }
    case 'AllergyIntolerance': {
      const st = code(r.clinicalStatus);
      facts.active = st ? ACTIVE[st] : undefined;
      facts.status = st;
      const reactions = arr(r.reaction).flatMap((x) => (isObj(x) ? arr(x.manifestation).map(conceptText) : [])).filter(Boolean);
      if (reactions.length) facts.value = `reaction: ${reactions.join(', ')}`;
      if (typeof r.criticality === 'string' && r.criticality !== 'low') facts.value = [facts.value, `criticality ${r.criticality}`].filter(Boolean).join('; ');
      facts.since = day(r.onsetDateTime) ?? day(r.recordedDate);
      break;
    }
    case 'MedicationRequest':
    case 'MedicationStatement':
    case 'MedicationOrder':
    case 'MedicationDispense': {
      const st = typeof r.status === 'string' ? r.status : undefined;
      facts.active = st ? ACTIVE[st] : undefined;
      const validity = isObj(r.dispenseRequest) ? periodOf(r.dispenseRequest, 'validityPeriod') : {};
      facts.since = day(r.authoredOn) ?? day(r.dateWritten) ?? periodOf(r, 'effectivePeriod').start ?? day(r.effectiveDateTime) ?? validity.start;
      facts.until = periodOf(r, 'effectivePeriod').end ?? validity.end;
      const dose = arr(r.dosageInstruction ?? r.dosage).map((d) => (isObj(d) ? str(d.text) : undefined)).find(Boolean);
      if (dose) facts.value = dose;
      break;
    }
    case 'Immunization':
      facts.active = undefined;
      break;
    case 'Observation': {
      const head = observationSummary(r).head;
      const nm = conceptText(r.code) ?? '';
      facts.value = head.startsWith('Blood pressure ') ? head.slice('Blood pressure '.length) : head.startsWith(nm) ? head.slice(nm.length).replace(/^[:\s]+/, '') : head;
      const rr = arr(r.referenceRange).find(isObj);
      if (rr) facts.range = str(rr.text) ?? ([choiceValue({ valueQuantity: rr.low }, 'value'), choiceValue({ valueQuantity: rr.high }, 'value')].every(Boolean) ? `${choiceValue({ valueQuantity: rr.low }, 'value')} to ${choiceValue({ valueQuantity: rr.high }, 'value')}` : undefined);
      break;
    }
    case 'Encounter': {
      const p = periodOf(r, 'period');
      facts.since = p.start;
      facts.until = p.end;
      facts.encounterClass = encounterClass;
      break;
    }
    case 'Procedure': {
      const p = periodOf(r, 'performedPeriod');
      facts.since = day(r.performedDateTime) ?? p.start;
      break;
    }
    case 'Claim':
    case 'ExplanationOfBenefit': {
      facts.total = choiceValue({ xMoney: isObj(r.total) ? r.total : arr(r.total).map((t) => (isObj(t) ? t.amount : undefined))[0] }, 'x');
      facts.paid = isObj(r.payment) ? choiceValue({ xMoney: r.payment.amount }, 'x') : undefined;
      const enc = arr(r.item).flatMap((i) => (isObj(i) ? arr(i.encounter) : [])).find(isObj) ?? (isObj(r.encounter) ? r.encounter : undefined);
      facts.encounterRef = enc ? refId(enc.reference) : undefined;
      const services = arr(r.item).map((i) => (isObj(i) ? conceptText(i.productOrService) : undefined)).filter(Boolean);
      words.push(...(services as string[]));
      if (!name) facts.name = services[0] ?? '';
      break;
    }
    default:
      break;
  }
  facts.haystack = [facts.name, ...words].join(' | ').toLowerCase();
  return facts;
}
