import type { PatientBuilder, Visit } from './builder.ts';
import { SYS, type Code } from './codes.ts';
import { concept, ref } from './fhir-json.ts';
import type { Rng } from './rng.ts';

/**
 * A CarePlan with its activities, the Goal it pursues and the CareTeam that runs it, as Synthea
 * writes them for a chronic condition: records beside the clinical ones that a question about
 * results or medications should not be handed instead.
 */
export function carePlan(b: PatientBuilder, rng: Rng, v: Visit, plan: Code, activities: Code[], reason: string, goal: string): void {
  const goalId = b.add({
    resourceType: 'Goal',
    id: rng.uuid(),
    lifecycleStatus: 'active',
    achievementStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/goal-achievement', code: 'in-progress', display: 'In Progress' }] },
    description: { text: goal },
    subject: ref(b.patientId),
    addresses: [ref(reason)],
  });
  const teamId = b.add({
    resourceType: 'CareTeam',
    id: rng.uuid(),
    status: 'active',
    subject: ref(b.patientId),
    encounter: ref(v.id),
    period: { start: v.start },
    participant: [{ role: [{ coding: [{ system: SYS.snomed, code: '116154003', display: 'Patient' }] }], member: ref(b.patientId) }],
    reasonReference: [ref(reason)],
  });
  b.add({
    resourceType: 'CarePlan',
    id: rng.uuid(),
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', code: 'assess-plan' }] }, concept(SYS.snomed, plan)],
    subject: ref(b.patientId),
    encounter: ref(v.id),
    period: { start: v.start },
    careTeam: [ref(teamId)],
    addresses: [ref(reason)],
    goal: [ref(goalId)],
    activity: activities.map((a) => ({ detail: { code: concept(SYS.snomed, a), status: 'in-progress', location: { display: 'PCP17971' } } })),
  });
}
