/**
 * Everyday clinical words → the codes records carry (LOINC unless noted), so "blood pressure"
 * finds an Observation coded 85354-9 even when its text says "BP". Importers write codes into
 * item text as e.g. "LOINC 8480-6", which the blind index stems like any other words.
 */
const TERMS: { words: RegExp; codes: string[]; synonyms?: string[] }[] = [
  { words: /\b(blood\s+pressures?|bp|systolic|diastolic|hypertension)\b/i, codes: ['85354-9', '8480-6', '8462-4', '55284-4'], synonyms: ['systolic', 'diastolic'] },
  { words: /\b(heart\s+rates?|pulse|bpm|resting\s+heart)\b/i, codes: ['8867-4', '40443-4', '80404-7'], synonyms: ['pulse'] },
  { words: /\b(a1c|hba1c|hemoglobin\s+a1c|glycated)\b/i, codes: ['4548-4', '17856-6'], synonyms: ['a1c', 'hba1c'] },
  { words: /\b(cholesterol|lipids?|ldl|hdl|triglycerides?)\b/i, codes: ['2093-3', '18262-6', '13457-7', '2089-1', '2085-9', '2571-8'], synonyms: ['cholesterol', 'ldl', 'hdl', 'triglycerides'] },
  { words: /\b(weight|weigh|body\s+mass|kg|pounds?)\b/i, codes: ['29463-7', '3141-9'], synonyms: ['weight'] },
  { words: /\b(bmi)\b/i, codes: ['39156-5'], synonyms: ['bmi'] },
  { words: /\b(height|tall)\b/i, codes: ['8302-2'], synonyms: ['height'] },
  { words: /\b(glucose|blood\s+sugar|sugars?)\b/i, codes: ['2339-0', '2345-7', '15074-8', '41653-7'], synonyms: ['glucose'] },
  { words: /\b(temperature|fever)\b/i, codes: ['8310-5', '8331-1'], synonyms: ['temperature'] },
  { words: /\b(oxygen|spo2|saturation|o2)\b/i, codes: ['59408-5', '2708-6'], synonyms: ['oxygen', 'spo2'] },
  { words: /\b(respiratory\s+rate|breathing\s+rate|respiration)\b/i, codes: ['9279-1'], synonyms: ['respiratory'] },
  { words: /\b(steps?|walking)\b/i, codes: ['55423-8', '41950-7'], synonyms: ['steps'] },
  { words: /\b(sleep|slept)\b/i, codes: ['93832-4'], synonyms: ['sleep'] },
  { words: /\b(kidney|creatinine|egfr)\b/i, codes: ['2160-0', '33914-3', '62238-1'], synonyms: ['creatinine', 'egfr'] },
  { words: /\b(hemoglobin|anemia|anaemia)\b/i, codes: ['718-7'], synonyms: ['hemoglobin'] },
];

export interface Expansion {
  codes: string[];
  words: string[];
}

/** Codes and extra words that a question's clinical terms stand for. */
export function expandClinicalTerms(question: string): Expansion {
  const codes = new Set<string>();
  const words = new Set<string>();
  for (const t of TERMS) {
    if (!t.words.test(question)) continue;
    t.codes.forEach((c) => codes.add(c));
    t.synonyms?.forEach((w) => words.add(w));
  }
  return { codes: [...codes], words: [...words] };
}
