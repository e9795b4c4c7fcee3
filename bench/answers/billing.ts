import { SYS } from './codes.ts';
import { concept, labelled, ref, type Json } from './fhir-json.ts';
import type { Visit } from './builder.ts';
import type { Rng } from './rng.ts';

const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const INSURER = 'Blue Cross Blue Shield';

/**
 * The Claim and ExplanationOfBenefit of one visit, as Synthea writes them: every billed line
 * (the encounter, its diagnoses, procedures and vaccines), the total, what the insurer paid.
 * A visit's security labels go on its bills too: a claim names its diagnoses.
 */
export function billingOf(v: Visit, rng: Rng, who: { patientId: string; org: { id: string; name: string }; practitioner: { id: string; name: string } }): Json[] {
  const total = Math.round(v.lines.reduce((n, l) => n + l.price, 0) * 100) / 100;
  const claimId = rng.uuid();
  const items = v.lines.map((l, i) => ({ sequence: i + 1, productOrService: concept(l.system, l.code), ...(i === 0 ? { encounter: [ref(v.id)] } : {}) }));
  // What a claim and its explanation of benefit both say about the visit.
  const shared = {
    ...labelled(v.security),
    status: 'active',
    type: { coding: [{ system: SYS.claimType, code: v.class === 'AMB' ? 'professional' : 'institutional' }] },
    use: 'claim',
    patient: ref(who.patientId),
    billablePeriod: { start: v.start, end: v.end },
    created: v.end,
  };
  const claim: Json = {
    resourceType: 'Claim',
    id: claimId,
    ...shared,
    provider: ref(who.org.id, who.org.name),
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { display: INSURER } }],
    diagnosis: v.diagnoses.map((d, i) => ({ sequence: i + 1, diagnosisReference: ref(d) })),
    item: items,
    total: { value: total, currency: 'USD' },
  };
  const eob: Json = {
    resourceType: 'ExplanationOfBenefit',
    id: rng.uuid(),
    ...shared,
    insurer: { display: INSURER },
    provider: ref(who.practitioner.id, who.practitioner.name),
    claim: ref(claimId),
    outcome: 'complete',
    insurance: [{ focal: true, coverage: { display: INSURER } }],
    item: items.map((it) => ({ ...it, servicedPeriod: { start: v.start, end: v.end } })),
    total: [{ category: { coding: [{ system: ADJUDICATION, code: 'submitted', display: 'Submitted Amount' }] }, amount: { value: total, currency: 'USD' } }],
    payment: { amount: { value: Math.round(total * 0.8 * 100) / 100, currency: 'USD' } },
  };
  return [claim, eob];
}
