/**
 * Real code systems and display names, as Synthea writes them (LOINC, SNOMED CT, RxNorm, CVX).
 * The bench's patients are built from these so a retriever meets the words real records carry.
 */
export const SYS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ucum: 'http://unitsofmeasure.org',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  obsCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVer: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVer: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  v20074: 'http://terminology.hl7.org/CodeSystem/v2-0074',
} as const;

export interface Code {
  code: string;
  display: string;
}

const c = (code: string, display: string): Code => ({ code, display });

/** LOINC observations: code, display, unit (UCUM) */
export const LOINC = {
  bpPanel: c('85354-9', 'Blood pressure panel with all children optional'),
  systolic: c('8480-6', 'Systolic blood pressure'),
  diastolic: c('8462-4', 'Diastolic blood pressure'),
  weight: c('29463-7', 'Body Weight'),
  height: c('8302-2', 'Body Height'),
  bmi: c('39156-5', 'Body mass index (BMI) [Ratio]'),
  heartRate: c('8867-4', 'Heart rate'),
  a1c: c('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
  glucose: c('2339-0', 'Glucose [Mass/volume] in Blood'),
  cholesterol: c('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'),
  ldl: c('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay'),
  hdl: c('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma'),
  triglycerides: c('2571-8', 'Triglycerides'),
  inr: c('6301-6', 'INR in Platelet poor plasma by Coagulation assay'),
  tsh: c('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma'),
  creatinine: c('38483-4', 'Creatinine [Mass/volume] in Blood'),
  hemoglobin: c('718-7', 'Hemoglobin [Mass/volume] in Blood'),
  hivViralLoad: c('20447-9', 'HIV 1 RNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection'),
  cd4: c('24467-3', 'CD3+CD4+ (T4 helper) cells [#/volume] in Blood'),
  lipidPanel: c('57698-3', 'Lipid panel with direct LDL - Serum or Plasma'),
  metabolicPanel: c('51990-0', 'Basic metabolic panel - Blood'),
  cbcPanel: c('58410-2', 'CBC panel - Blood by Automated count'),
  coagPanel: c('34528-0', 'PT and INR panel - Platelet poor plasma by Coagulation assay'),
  psychNote: c('11488-4', 'Consult note'),
} as const;

export const SNOMED = {
  // encounter types
  generalExam: c('162673000', 'General examination of patient (procedure)'),
  checkUp: c('185349003', 'Encounter for check up (procedure)'),
  wellChild: c('410620009', 'Well child visit (procedure)'),
  symptom: c('185345009', 'Encounter for symptom (procedure)'),
  problem: c('185347001', 'Encounter for problem (procedure)'),
  followUp: c('390906007', 'Follow-up encounter (procedure)'),
  emergency: c('50849002', 'Emergency room admission (procedure)'),
  hospitalAdmission: c('32485007', 'Hospital admission (procedure)'),
  anticoagClinic: c('185389009', 'Follow-up visit (procedure)'),
  // conditions
  diabetes2: c('44054006', 'Diabetes mellitus type 2 (disorder)'),
  hypertension: c('59621000', 'Essential hypertension (disorder)'),
  hyperlipidemia: c('55822004', 'Hyperlipidemia (disorder)'),
  obesity: c('162864005', 'Body mass index 30+ - obesity (finding)'),
  afib: c('49436004', 'Atrial fibrillation (disorder)'),
  heartFailure: c('88805009', 'Chronic congestive heart failure (disorder)'),
  osteoarthritisKnee: c('239873007', 'Osteoarthritis of knee (disorder)'),
  pneumonia: c('233604007', 'Pneumonia (disorder)'),
  wristFracture: c('263102004', 'Fracture subluxation of wrist (disorder)'),
  sinusitis: c('444814009', 'Viral sinusitis (disorder)'),
  bronchitis: c('10509002', 'Acute bronchitis (disorder)'),
  pharyngitis: c('195662009', 'Acute viral pharyngitis (disorder)'),
  otitis: c('65363002', 'Otitis media (disorder)'),
  appendicitis: c('74400008', 'Appendicitis (disorder)'),
  asthma: c('195967001', 'Asthma (disorder)'),
  hiv: c('86406008', 'Human immunodeficiency virus infection (disorder)'),
  depression: c('370143000', 'Major depressive disorder (disorder)'),
  // procedures
  echo: c('40701008', 'Echocardiography (procedure)'),
  colonoscopy: c('73761001', 'Colonoscopy (procedure)'),
  appendectomy: c('80146002', 'Appendectomy (procedure)'),
  vasectomy: c('22523008', 'Vasectomy (procedure)'),
  urology: c('11429006', 'Consultation (procedure)'),
  ecg: c('29303009', 'Electrocardiographic procedure (procedure)'),
  chestXray: c('399208008', 'Plain chest X-ray (procedure)'),
  medReconciliation: c('430193006', 'Medication reconciliation (procedure)'),
  wristSplint: c('30549001', 'Application of splint (procedure)'),
  // care plans, their activities and care teams
  diabetesPlan: c('698360004', 'Diabetes self management plan'),
  diabeticDiet: c('160670007', 'Diabetic diet'),
  exercise: c('229065009', 'Exercise therapy'),
  heartFailurePlan: c('735984001', 'Heart failure self management plan'),
  lowSaltDiet: c('1151000175103', 'Low sodium diet'),
  // allergies
  penicillinAllergy: c('91936005', 'Allergy to penicillin (finding)'),
  peanutAllergy: c('91935009', 'Allergy to peanuts (finding)'),
  latexAllergy: c('300916003', 'Latex allergy (finding)'),
  sulfaAllergy: c('294505008', 'Allergy to sulfonamide (finding)'),
  hives: c('247472004', 'Wheal (finding)'),
  rash: c('271807003', 'Eruption of skin (disorder)'),
  anaphylaxis: c('39579001', 'Anaphylaxis (disorder)'),
} as const;

export const RXNORM = {
  metformin500: c('860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet'),
  metformin1000: c('861004', '24 HR Metformin hydrochloride 1000 MG Extended Release Oral Tablet'),
  lisinopril: c('314076', 'lisinopril 10 MG Oral Tablet'),
  simvastatin: c('312961', 'Simvastatin 20 MG Oral Tablet'),
  atorvastatin: c('617312', 'Atorvastatin 20 MG Oral Tablet'),
  amoxicillin: c('308182', 'Amoxicillin 250 MG Oral Capsule'),
  amoxicillinSusp: c('308191', 'Amoxicillin 50 MG/ML Oral Suspension'),
  warfarin: c('855332', 'Warfarin Sodium 5 MG Oral Tablet'),
  furosemide: c('310429', 'Furosemide 20 MG Oral Tablet'),
  metoprolol: c('866412', '24 HR metoprolol succinate 100 MG Extended Release Oral Tablet'),
  digoxin: c('197604', 'Digoxin 0.125 MG Oral Tablet'),
  azithromycin: c('308460', 'Azithromycin 250 MG Oral Tablet'),
  acetaminophen: c('313782', 'Acetaminophen 325 MG Oral Tablet'),
  albuterol: c('745679', '200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler'),
  fluticasone: c('895994', '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler'),
  art: c('1747691', 'emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral Tablet'),
  sertraline: c('312938', 'Sertraline 100 MG Oral Tablet'),
} as const;

export const CVX = {
  flu: c('140', 'Influenza, seasonal, injectable, preservative free'),
  td: c('113', 'Td (adult) preservative free'),
  tdap: c('115', 'Tdap'),
  dtap: c('20', 'DTaP'),
  ipv: c('10', 'IPV'),
  mmr: c('03', 'MMR'),
  varicella: c('21', 'varicella'),
  hepB: c('08', 'Hep B, adolescent or pediatric'),
  hepA: c('83', 'Hep A, ped/adol, 2 dose'),
  hib: c('49', 'Hib (PRP-OMP)'),
  pcv13: c('133', 'Pneumococcal conjugate PCV 13'),
  rotavirus: c('119', 'rotavirus, monovalent'),
  ppsv23: c('33', 'pneumococcal polysaccharide vaccine, 23 valent'),
  zoster: c('121', 'zoster'),
  covid: c('208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'),
} as const;
