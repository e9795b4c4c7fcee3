/**
 * What a sync reads. Epic refuses Observation and CarePlan searches without a category (400),
 * so those fall back to one search per category; categories the server refuses are normal.
 */
export const SEARCH_TYPES = [
  'AllergyIntolerance', 'Condition', 'MedicationRequest', 'Immunization', 'Procedure', 'Encounter',
  'DiagnosticReport', 'DocumentReference', 'Goal', 'CareTeam', 'Device',
] as const;

/** FHIR observation-category codes plus the extra ones Epic documents. */
export const OBSERVATION_CATEGORIES = [
  'vital-signs', 'laboratory', 'social-history', 'imaging', 'procedure', 'survey', 'exam', 'therapy', 'activity',
  'symptom', 'delivery', 'obstetrics-gynecology', 'periodontal', 'phenotype', 'sdoh', 'smartdata',
];

/** SNOMED and Epic care-plan categories (longitudinal, encounter, outpatient, inpatient, …). */
export const CAREPLAN_CATEGORIES = [
  '734163000', '38717003', '736271009', '736353004', '738906000', '736378000', '719091000000102', '959871000000107',
  'inpatient-pathway', '409073007', 'care-path',
];

export const CATEGORY_FALLBACK: Record<string, string[]> = {
  Observation: OBSERVATION_CATEGORIES,
  CarePlan: CAREPLAN_CATEGORIES,
};

export const PAGE_SIZE = '50';
