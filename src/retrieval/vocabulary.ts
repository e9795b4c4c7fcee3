/**
 * The words patients use for their records, as data: record classes (what kind of record a
 * question asks for) and topics (what it is about), each with the consumer words that name it and
 * the codes and display-name words records carry for it. Phrases are written in plain words;
 * `tokens()` normalises both sides the same way (lower case, British spellings, plurals), so
 * "vaccines", "immunisations" and "shots" all meet their entry. Codes are `system:code` with the
 * systems' short names (loinc, snomed, rxnorm, cvx, icd10, v3-ActCode for encounter classes).
 */

export type ClassId =
  | 'medications'
  | 'allergies'
  | 'conditions'
  | 'immunizations'
  | 'labs'
  | 'vitals'
  | 'visits'
  | 'procedures'
  | 'documents'
  | 'billing'
  | 'wearables'
  | 'careplans';

export interface RecordClass {
  id: ClassId;
  /** The noun of the absence notice: "No allergy records are shared with the assistant." */
  noun: string;
  /** Item kinds of the class (a kind ending in `*` is a prefix). */
  kinds: string[];
  /** For Observations: the categories that put one in this class. */
  categories?: string[];
  words: string[];
}

export const CLASSES: RecordClass[] = [
  {
    id: 'medications',
    noun: 'medication',
    kinds: ['fhir.MedicationRequest', 'fhir.MedicationStatement', 'fhir.MedicationOrder', 'fhir.MedicationDispense'],
    words: ['medication', 'medicine', 'med', 'pill', 'tablet', 'capsule', 'prescription', 'prescribed', 'drug', 'rx', 'dose', 'dosage', 'refill', 'pharmacy', 'taking', 'take', 'given', 'inhaler', 'injection', 'insulin'],
  },
  { id: 'allergies', noun: 'allergy', kinds: ['fhir.AllergyIntolerance'], words: ['allergy', 'allergic', 'allergen', 'intolerance', 'intolerant', 'react to', 'reaction to', 'anaphylaxis'] },
  {
    id: 'conditions',
    noun: 'condition',
    kinds: ['fhir.Condition'],
    words: ['condition', 'problem', 'diagnosis', 'diagnosed', 'disease', 'illness', 'disorder', 'health issue', 'chronic', 'what do i have', 'suffer from'],
  },
  {
    id: 'immunizations',
    noun: 'immunization',
    kinds: ['fhir.Immunization'],
    words: ['vaccine', 'vaccination', 'vaccinated', 'immunization', 'immunized', 'shot', 'jab', 'booster', 'inoculation'],
  },
  {
    id: 'labs',
    noun: 'lab result',
    kinds: ['fhir.Observation', 'fhir.DiagnosticReport'],
    categories: ['laboratory', 'LAB', 'lab'],
    words: ['lab', 'laboratory', 'blood test', 'blood work', 'bloodwork', 'test result', 'result', 'test', 'panel', 'level'],
  },
  { id: 'vitals', noun: 'vital sign', kinds: ['fhir.Observation'], categories: ['vital-signs'], words: ['vital', 'vital sign', 'vitals'] },
  {
    id: 'visits',
    noun: 'visit',
    kinds: ['fhir.Encounter', 'fhir.Appointment'],
    words: ['visit', 'appointment', 'checkup', 'check up', 'physical', 'encounter', 'see a doctor', 'saw a doctor', 'seen by', 'see the doctor', 'saw the doctor', 'went to the doctor', 'doctor visit', 'er', 'emergency', 'a and e', 'urgent care', 'hospital', 'hospitalized', 'admitted', 'admission', 'stay', 'wellness', 'well child', 'consultation'],
  },
  {
    id: 'procedures',
    noun: 'procedure',
    kinds: ['fhir.Procedure', 'fhir.ImagingStudy'],
    words: ['procedure', 'surgery', 'surgical', 'operation', 'operated', 'scan', 'imaging', 'x ray', 'xray', 'mri', 'ct', 'ultrasound', 'biopsy', 'screening'],
  },
  {
    id: 'documents',
    noun: 'note or document',
    kinds: ['fhir.DocumentReference', 'fhir.Binary', 'fhir.Composition', 'note', 'document.*'],
    words: ['note', 'letter', 'document', 'discharge summary', 'clinical note', 'doctor note', 'my notes', 'paperwork', 'file'],
  },
  {
    id: 'billing',
    noun: 'billing',
    kinds: ['fhir.Claim', 'fhir.ExplanationOfBenefit', 'fhir.Coverage', 'fhir.ClaimResponse'],
    words: ['bill', 'billing', 'billed', 'cost', 'charge', 'charged', 'paid', 'pay', 'insurance', 'insurer', 'claim', 'copay', 'out of pocket', 'spent', 'spend', 'expense', 'money', 'price', 'expensive', 'owe', 'coverage', 'covered', 'explanation of benefit', 'eob', 'deductible', 'how much did'],
  },
  {
    id: 'wearables',
    noun: 'wearable',
    kinds: ['wearable.*'],
    words: ['wearable', 'watch', 'fitbit', 'oura', 'apple health', 'activity', 'workout', 'exercise', 'step', 'sleep', 'slept', 'walking', 'ring'],
  },
  { id: 'careplans', noun: 'care plan', kinds: ['fhir.CarePlan', 'fhir.Goal'], words: ['care plan', 'treatment plan', 'goal', 'plan of care'] },
];

export interface Topic {
  id: string;
  /** Consumer words and clinical names that name the topic in a question. */
  words: string[];
  /** Codes records carry for it. */
  codes?: string[];
  /** Words of the records' display names that identify it (matched as whole words in a record). */
  display: string[];
  /** The class a question about it asks for when it names none (a lab, a vital…). */
  classes?: ClassId[];
  /** A measurement: its readings form a series. */
  measure?: boolean;
  /** Made of the question's own words (no entry of ours): matched as word beginnings, never said absent. */
  adhoc?: boolean;
}

export const TOPICS: Topic[] = [
  { id: 'blood-pressure', words: ['blood pressure', 'bp', 'systolic', 'diastolic'], codes: ['loinc:85354-9', 'loinc:8480-6', 'loinc:8462-4', 'loinc:55284-4'], display: ['blood pressure', 'systolic', 'diastolic'], classes: ['vitals'], measure: true },
  { id: 'heart-rate', words: ['heart rate', 'pulse', 'bpm', 'resting heart rate'], codes: ['loinc:8867-4', 'loinc:40443-4'], display: ['heart rate', 'pulse'], classes: ['vitals'], measure: true },
  { id: 'weight', words: ['weight', 'weigh', 'body weight', 'heavy', 'pound', 'kilo', 'lost weight', 'gained weight'], codes: ['loinc:29463-7', 'loinc:3141-9'], display: ['body weight', 'weight'], classes: ['vitals'], measure: true },
  { id: 'height', words: ['height', 'tall', 'growth', 'grown', 'growing'], codes: ['loinc:8302-2', 'loinc:8306-3'], display: ['body height', 'height'], classes: ['vitals'], measure: true },
  { id: 'bmi', words: ['bmi', 'body mass', 'overweight', 'obese', 'underweight'], codes: ['loinc:39156-5'], display: ['body mass index', 'bmi'], classes: ['vitals'], measure: true },
  { id: 'temperature', words: ['temperature', 'fever'], codes: ['loinc:8310-5', 'loinc:8331-1'], display: ['body temperature', 'temperature'], classes: ['vitals'], measure: true },
  { id: 'oxygen', words: ['oxygen', 'spo2', 'o2', 'oxygen saturation', 'pulse ox'], codes: ['loinc:59408-5', 'loinc:2708-6'], display: ['oxygen saturation'], classes: ['vitals'], measure: true },
  { id: 'respiration', words: ['respiratory rate', 'breathing rate', 'respiration'], codes: ['loinc:9279-1'], display: ['respiratory rate'], classes: ['vitals'], measure: true },
  { id: 'pain', words: ['pain score', 'pain level'], codes: ['loinc:72514-3'], display: ['pain severity'], classes: ['vitals'], measure: true },
  { id: 'a1c', words: ['a1c', 'hba1c', 'hemoglobin a1c', 'glycated', 'glycohemoglobin', 'sugar', 'blood sugar', 'diabetes control'], codes: ['loinc:4548-4', 'loinc:17856-6', 'loinc:4549-2'], display: ['a1c', 'glycated', 'glycohemoglobin'], classes: ['labs'], measure: true },
  { id: 'glucose', words: ['glucose', 'blood sugar', 'sugar', 'fasting sugar'], codes: ['loinc:2339-0', 'loinc:2345-7', 'loinc:15074-8', 'loinc:41653-7', 'loinc:1558-6'], display: ['glucose'], classes: ['labs'], measure: true },
  { id: 'cholesterol', words: ['cholesterol', 'lipid', 'lipid panel'], codes: ['loinc:2093-3', 'loinc:18262-6', 'loinc:13457-7', 'loinc:2089-1', 'loinc:2085-9', 'loinc:2571-8', 'loinc:57698-3'], display: ['cholesterol', 'triglyceride', 'lipid'], classes: ['labs'], measure: true },
  { id: 'ldl', words: ['ldl', 'bad cholesterol'], codes: ['loinc:18262-6', 'loinc:13457-7', 'loinc:2089-1'], display: ['low density'], classes: ['labs'], measure: true },
  { id: 'hdl', words: ['hdl', 'good cholesterol'], codes: ['loinc:2085-9'], display: ['high density'], classes: ['labs'], measure: true },
  { id: 'triglycerides', words: ['triglyceride', 'trigs'], codes: ['loinc:2571-8'], display: ['triglyceride'], classes: ['labs'], measure: true },
  { id: 'blood-type', words: ['blood type', 'blood group', 'abo', 'rh factor', 'rhesus'], codes: ['loinc:882-1', 'loinc:883-9', 'loinc:10331-7', 'loinc:34474-7'], display: ['abo group', 'abo and rh', 'rh type', 'blood group'], classes: ['labs'], measure: true },
  { id: 'inr', words: ['inr', 'prothrombin', 'pt inr', 'clotting', 'coagulation', 'clotting time'], codes: ['loinc:6301-6', 'loinc:34714-6', 'loinc:5902-2', 'loinc:46418-0'], display: ['inr', 'prothrombin', 'coagulation'], classes: ['labs'], measure: true },
  { id: 'thyroid', words: ['thyroid', 'tsh', 'thyrotropin', 'thyroxine', 't4', 'free t4', 't3'], codes: ['loinc:3016-3', 'loinc:3024-7', 'loinc:3026-2', 'loinc:3051-0', 'loinc:11580-8'], display: ['thyrotropin', 'thyroxine', 'thyroid', 'tsh', 'triiodothyronine'], classes: ['labs'], measure: true },
  { id: 'kidney', words: ['kidney', 'kidney function', 'renal', 'creatinine', 'egfr', 'gfr', 'urea', 'bun'], codes: ['loinc:2160-0', 'loinc:38483-4', 'loinc:33914-3', 'loinc:62238-1', 'loinc:48642-3', 'loinc:48643-1', 'loinc:69405-9', 'loinc:3094-0', 'loinc:6299-2'], display: ['creatinine', 'glomerular', 'urea nitrogen'], classes: ['labs'], measure: true },
  { id: 'hemoglobin', words: ['hemoglobin', 'hgb', 'blood count', 'cbc'], codes: ['loinc:718-7', 'loinc:58410-2', 'loinc:4544-3'], display: ['hemoglobin [mass', 'hematocrit', 'hgb', 'blood count'], classes: ['labs'], measure: true },
  { id: 'liver', words: ['liver', 'liver function', 'alt', 'ast', 'bilirubin'], codes: ['loinc:1742-6', 'loinc:1920-8', 'loinc:1975-2', 'loinc:6768-6'], display: ['alanine aminotransferase', 'aspartate aminotransferase', 'bilirubin', 'alkaline phosphatase'], classes: ['labs'], measure: true },
  { id: 'potassium', words: ['potassium'], codes: ['loinc:6298-4', 'loinc:2823-3'], display: ['potassium'], classes: ['labs'], measure: true },
  { id: 'sodium', words: ['sodium', 'salt level'], codes: ['loinc:2951-2', 'loinc:2947-0'], display: ['sodium'], classes: ['labs'], measure: true },
  { id: 'vitamin-d', words: ['vitamin d'], codes: ['loinc:1989-3', 'loinc:62292-8'], display: ['vitamin d', 'calcidiol', '25-hydroxyvitamin'], classes: ['labs'], measure: true },
  { id: 'psa', words: ['psa', 'prostate specific antigen'], codes: ['loinc:2857-1'], display: ['prostate specific'], classes: ['labs'], measure: true },
  { id: 'flu-vaccine', words: ['flu shot', 'flu vaccine', 'flu jab', 'influenza', 'flu'], codes: ['cvx:140', 'cvx:141', 'cvx:150', 'cvx:155', 'cvx:158', 'cvx:161', 'cvx:88', 'cvx:135', 'cvx:111', 'cvx:171', 'cvx:185', 'cvx:186', 'cvx:197', 'cvx:205'], display: ['influenza'], classes: ['immunizations'] },
  { id: 'covid-vaccine', words: ['covid', 'covid 19', 'coronavirus', 'sars cov 2', 'moderna', 'pfizer', 'covid shot'], codes: ['cvx:207', 'cvx:208', 'cvx:210', 'cvx:212', 'cvx:213', 'cvx:217', 'cvx:218', 'cvx:219', 'cvx:221', 'cvx:228', 'cvx:229', 'cvx:230', 'cvx:300', 'cvx:301', 'cvx:302'], display: ['covid', 'sars-cov-2', 'coronavirus'] },
  { id: 'tetanus', words: ['tetanus', 'tdap', 'td shot', 'lockjaw'], codes: ['cvx:115', 'cvx:113', 'cvx:09', 'cvx:139'], display: ['tetanus', 'tdap'], classes: ['immunizations'] },
  { id: 'mmr', words: ['mmr', 'measles', 'mumps', 'rubella'], codes: ['cvx:03', 'cvx:94'], display: ['mmr', 'measles'], classes: ['immunizations'] },
  { id: 'hepatitis-b-vaccine', words: ['hep b', 'hepatitis b'], codes: ['cvx:08', 'cvx:43', 'cvx:45'], display: ['hep b', 'hepatitis b'], classes: ['immunizations'] },
  { id: 'pneumonia-vaccine', words: ['pneumonia shot', 'pneumococcal', 'pneumovax', 'prevnar'], codes: ['cvx:33', 'cvx:133', 'cvx:152', 'cvx:215', 'cvx:216'], display: ['pneumococcal'], classes: ['immunizations'] },
  { id: 'shingles-vaccine', words: ['shingles', 'zoster', 'shingrix'], codes: ['cvx:121', 'cvx:187', 'cvx:188'], display: ['zoster'] },
  { id: 'echo', words: ['echo', 'echocardiogram', 'echocardiography', 'heart ultrasound', 'ultrasound of my heart', 'heart scan'], codes: ['snomed:40701008', 'snomed:433236007', 'loinc:34552-0', 'loinc:59282-4'], display: ['echocardiography', 'echocardiogram', 'echo'] },
  { id: 'ecg', words: ['ecg', 'ekg', 'electrocardiogram', 'heart tracing'], codes: ['snomed:29303009', 'snomed:268400002', 'loinc:11524-6'], display: ['electrocardiogram', 'electrocardiographic', 'ecg', 'ekg'] },
  { id: 'colonoscopy', words: ['colonoscopy', 'colon screening', 'bowel screening'], codes: ['snomed:73761001'], display: ['colonoscopy'] },
  { id: 'mammogram', words: ['mammogram', 'mammography', 'breast screening'], codes: ['snomed:71651007', 'snomed:24623002', 'snomed:43204002'], display: ['mammography', 'mammogram'] },
  { id: 'emergency', words: ['er', 'emergency', 'emergency room', 'a and e', 'casualty', 'urgent care', 'ambulance'], codes: ['v3:EMER', 'snomed:50849002', 'snomed:183452005', 'snomed:702927004'], display: ['emergency', 'urgent care'], classes: ['visits'] },
  { id: 'hospital-stay', words: ['hospital stay', 'hospitalized', 'hospitalised', 'admitted', 'inpatient', 'hospital', 'admission'], codes: ['v3:IMP', 'v3:ACUTE', 'snomed:32485007', 'snomed:305408004'], display: ['inpatient', 'hospital admission', 'admission to'], classes: ['visits'] },
  { id: 'checkup', words: ['checkup', 'check up', 'physical', 'annual exam', 'wellness visit', 'well child', 'routine visit', 'general exam'], codes: ['snomed:162673000', 'snomed:185349003', 'snomed:410620009', 'snomed:270427003'], display: ['general examination', 'check up', 'well child', 'wellness', 'annual'], classes: ['visits'] },
  { id: 'diuretic', words: ['water pill', 'water tablet', 'diuretic', 'fluid pill', 'lasix', 'furosemide', 'hydrochlorothiazide', 'hctz', 'spironolactone', 'chlorthalidone', 'bumetanide', 'torsemide'], codes: ['rxnorm:310429', 'rxnorm:310798', 'rxnorm:313988', 'rxnorm:197417'], display: ['furosemide', 'hydrochlorothiazide', 'spironolactone', 'chlorthalidone', 'bumetanide', 'torsemide', 'indapamide', 'triamterene', 'diuretic'], classes: ['medications'] },
  { id: 'anticoagulant', words: ['blood thinner', 'anticoagulant', 'anticoagulation', 'warfarin', 'coumadin', 'eliquis', 'apixaban', 'xarelto', 'rivaroxaban', 'pradaxa', 'dabigatran', 'heparin', 'enoxaparin', 'lovenox'], codes: ['rxnorm:855332', 'rxnorm:855288', 'rxnorm:1364435', 'rxnorm:1232082'], display: ['warfarin', 'apixaban', 'rivaroxaban', 'dabigatran', 'edoxaban', 'heparin', 'enoxaparin', 'clopidogrel'], classes: ['medications'] },
  { id: 'statin', words: ['statin', 'cholesterol pill', 'cholesterol medicine', 'lipitor', 'crestor', 'zocor'], display: ['atorvastatin', 'simvastatin', 'rosuvastatin', 'pravastatin', 'lovastatin', 'fluvastatin', 'pitavastatin'], classes: ['medications'] },
  { id: 'painkiller', words: ['painkiller', 'pain killer', 'pain medication', 'pain pill', 'pain relief'], display: ['acetaminophen', 'ibuprofen', 'naproxen', 'oxycodone', 'hydrocodone', 'tramadol', 'codeine', 'morphine', 'aspirin', 'paracetamol'], classes: ['medications'] },
  { id: 'antibiotic', words: ['antibiotic', 'antibiotics'], display: ['amoxicillin', 'penicillin', 'cephalexin', 'azithromycin', 'doxycycline', 'ciprofloxacin', 'clavulanate', 'nitrofurantoin', 'cefuroxime', 'clarithromycin'], classes: ['medications'] },
  { id: 'diabetes', words: ['diabetes', 'diabetic', 'prediabetes'], codes: ['snomed:44054006', 'snomed:15777000', 'snomed:73211009', 'icd10:E11', 'loinc:4548-4'], display: ['diabetes', 'prediabetes', 'a1c', 'metformin', 'insulin', 'glipizide', 'sitagliptin', 'empagliflozin', 'liraglutide', 'semaglutide'] },
  { id: 'hypertension', words: ['hypertension', 'high blood pressure', 'blood pressure medicine', 'blood pressure pill'], codes: ['snomed:59621000', 'snomed:38341003', 'icd10:I10'], display: ['hypertension', 'blood pressure', 'lisinopril', 'amlodipine', 'losartan', 'valsartan', 'metoprolol', 'atenolol', 'hydrochlorothiazide', 'carvedilol'] },
  { id: 'afib', words: ['afib', 'a fib', 'atrial fibrillation', 'irregular heartbeat', 'irregular heart'], codes: ['snomed:49436004', 'icd10:I48'], display: ['atrial fibrillation'] },
  { id: 'heart-failure', words: ['heart failure', 'chf'], codes: ['snomed:84114007', 'snomed:88805009'], display: ['heart failure'] },
  { id: 'asthma', words: ['asthma', 'wheezing'], codes: ['snomed:195967001'], display: ['asthma', 'albuterol'] },
  { id: 'copd', words: ['copd', 'emphysema', 'chronic bronchitis'], codes: ['snomed:13645005'], display: ['chronic obstructive', 'emphysema'] },
  { id: 'depression', words: ['depression', 'depressed', 'mood'], codes: ['snomed:370143000', 'snomed:35489007'], display: ['depress'] },
  { id: 'anxiety', words: ['anxiety', 'anxious', 'panic'], display: ['anxiety', 'panic'] },
  { id: 'anemia', words: ['anemia', 'anemic', 'low iron', 'iron deficiency'], codes: ['snomed:271737000', 'snomed:87522002'], display: ['anemia', 'hemoglobin [mass', 'ferritin'] },
  // Everyday names of common problems → the words of their SNOMED CT / ICD-10 display names.
  { id: 'ear-infection', words: ['ear infection', 'earache', 'ear ache', 'otitis', 'ear problem'], codes: ['snomed:65363002', 'snomed:444814009'], display: ['otitis'] },
  { id: 'strep-throat', words: ['strep', 'strep throat', 'sore throat', 'throat infection', 'tonsillitis'], codes: ['snomed:43878008', 'snomed:195662009'], display: ['pharyngitis', 'streptococcal', 'tonsillitis'] },
  { id: 'sinus-infection', words: ['sinus infection', 'sinus', 'sinusitis'], codes: ['snomed:444814009', 'snomed:40055000', 'snomed:75498004'], display: ['sinusitis'] },
  { id: 'uti', words: ['uti', 'urinary tract infection', 'bladder infection', 'kidney infection'], codes: ['snomed:68566005', 'snomed:38822007'], display: ['urinary tract infection', 'cystitis', 'pyelonephritis'] },
  { id: 'pneumonia', words: ['pneumonia', 'chest infection', 'lung infection'], codes: ['snomed:233604007'], display: ['pneumonia'] },
  { id: 'bronchitis', words: ['bronchitis'], codes: ['snomed:10509002'], display: ['bronchitis'] },
  { id: 'common-cold', words: ['cold', 'common cold', 'runny nose'], display: ['common cold', 'nasopharyngitis', 'upper respiratory', 'rhinitis'] },
  { id: 'high-cholesterol', words: ['high cholesterol', 'hyperlipidemia', 'hypercholesterolemia'], codes: ['snomed:55822004', 'snomed:13644009'], display: ['hyperlipidemia', 'hypercholesterolemia', 'dyslipidemia'] },
  { id: 'heart-attack', words: ['heart attack', 'myocardial infarction'], codes: ['snomed:22298006', 'snomed:410429000'], display: ['myocardial infarction', 'heart attack'] },
  { id: 'stroke', words: ['stroke', 'mini stroke', 'tia'], codes: ['snomed:230690007'], display: ['stroke', 'cerebrovascular', 'transient ischemic'] },
  { id: 'fracture', words: ['broken bone', 'broke', 'broken', 'fracture', 'fractured'], display: ['fracture'] },
  { id: 'sprain', words: ['sprain', 'sprained', 'twisted'], display: ['sprain'] },
  { id: 'concussion', words: ['concussion', 'head injury'], display: ['concussion', 'head injury'] },
  { id: 'migraine', words: ['migraine', 'headache'], display: ['migraine', 'headache'] },
  { id: 'back-pain', words: ['back pain', 'bad back', 'backache'], display: ['back pain', 'lumbago'] },
  { id: 'arthritis', words: ['arthritis', 'joint pain', 'osteoarthritis'], display: ['arthritis', 'arthropathy'] },
  { id: 'reflux', words: ['reflux', 'acid reflux', 'heartburn', 'gerd'], display: ['reflux', 'gastroesophageal', 'heartburn'] },
  { id: 'kidney-stone', words: ['kidney stone', 'kidney stones'], display: ['nephrolithiasis', 'kidney stone', 'renal calculus', 'urolithiasis'] },
  { id: 'gallstones', words: ['gallstone', 'gallstones', 'gallbladder'], display: ['cholelithiasis', 'gallstone', 'cholecystitis', 'gallbladder'] },
  { id: 'pink-eye', words: ['pink eye', 'conjunctivitis', 'eye infection'], display: ['conjunctivitis'] },
  { id: 'chickenpox', words: ['chickenpox', 'chicken pox'], display: ['varicella'] },
  { id: 'obesity', words: ['obesity'], display: ['obesity', 'obese', 'overweight', 'body mass index 30'] },
  { id: 'sleep-apnea', words: ['sleep apnea', 'apnea', 'snoring'], display: ['apnea'] },
  { id: 'stomach-bug', words: ['stomach bug', 'stomach flu', 'tummy bug', 'food poisoning', 'gastro'], display: ['gastroenteritis'] },
  { id: 'hiv', words: ['hiv', 'aids'], display: ['hiv', 'human immunodeficiency'] },
  { id: 'pregnancy', words: ['pregnancy', 'pregnant', 'prenatal'], display: ['pregnancy', 'prenatal', 'gestation'] },
  { id: 'cancer', words: ['cancer', 'tumor', 'tumour', 'malignant', 'oncology'], display: ['neoplasm', 'carcinoma', 'cancer', 'malignant', 'tumor', 'lymphoma', 'leukemia', 'melanoma'] },
];

/** Words that carry no subject: questions made only of them ask for everything or nothing. */
export const STOP_WORDS = new Set(
  ('a an the my me i im i\'m am is are was were be been being do does did have has had having of on in at to for from by with about and or ' +
    'what whats what\'s when where which who whom whose why how any anything all every each some there their them they it its this that these those ' +
    'im dont doesnt didnt whats can could would should will shall may might must please tell show give list let know see find get got ever yet still now currently current ' +
    'latest last recent recently most newest lately previous before prior earlier first ago since until between during over past time times ' +
    'much many more less often new old value values number numbers reading readings record records result results data info information ' +
    'say says said look looks like doing going been done one ones other else also just only up down out if so than then too very really ' +
    'your you we us our hi hello hey thanks thank ok okay bye yes no not dont don\'t doesnt didnt want need check happen happened ' +
    'again change changed changes changing trend trends go gone went high low higher lower better worse normal stable improve improved getting ' +
    'summary summarize summarise overview doctor doc health healthy medical chart whole everything today year years month months week weeks day days date dates ' +
    'briefly brief quick quickly short shortly far overall general entire full complete simple simply plain english word words sentence sentences ' +
    'paragraph point points bullet key main important basically kind sort things thing stuff going on so far can you could you would you mind').split(/\s+/),
);

/** Lower-cased words of text, with British spellings and plurals folded ("immunisations" → "immunization"). */
export function tokens(text: string): string[] {
  const plain = text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[\u2018\u2019`]/g, "'");
  return (plain.replace(/'s\b/g, '').replace(/'/g, '').match(/[a-z0-9]+/g) ?? []).map(fold);
}

const KEEP = new Set(['diagnosis', 'diabetes', 'series', 'pressure', 'status', 'virus', 'analysis', 'sinus', 'lupus', 'mucus', 'psoriasis', 'arthritis', 'bronchitis', 'hepatitis', 'thrombosis', 'fibrosis', 'tuberculosis', 'osteoporosis', 'was', 'has', 'is', 'this', 'its', 'yes', 'less', 'us', 'plus', 'gas', 'bus', 'always', 'hiv', 'emphysema', 'always', 'does', 'lasix']);
const IRREGULAR: Record<string, string> = { diagnoses: 'diagnosis', analyses: 'analysis', meds: 'med', xrays: 'xray', labs: 'lab', vitals: 'vital', feet: 'foot', teeth: 'tooth', women: 'woman', men: 'man', children: 'child' };

/** One word, folded: British → American spelling where the records' code systems use the latter, plural → singular. */
export function fold(w: string): string {
  let s = w;
  if (IRREGULAR[s]) return IRREGULAR[s];
  s = s
    .replace(/^anaem/, 'anem')
    .replace(/haem/, 'hem')
    .replace(/^oesoph/, 'esoph')
    .replace(/^oedem/, 'edem')
    .replace(/^paed/, 'ped')
    .replace(/isation(s?)$/, 'ization$1')
    .replace(/is(e|ed|es|ing)$/, 'iz$1');
  if (KEEP.has(s) || s.length <= 3) return s;
  if (s.endsWith('ies') && s.length > 4) return `${s.slice(0, -3)}y`;
  if (/(ss|us|is|ous)$/.test(s)) return s;
  if (s.endsWith('s')) return s.slice(0, -1);
  return s;
}
