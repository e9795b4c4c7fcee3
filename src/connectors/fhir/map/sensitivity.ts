import type { Sensitivity } from '../../../db/schema.ts';
import { arr, isObj, type Json } from './datatypes.ts';

/** The v3 Confidentiality code system under its current, older (DSTU2/STU3) and OID names. */
const CONFIDENTIALITY_SYSTEMS = new Set([
  'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  'http://hl7.org/fhir/v3/Confidentiality',
  'http://hl7.org/fhir/ValueSet/v3-Confidentiality',
  'http://hl7.org/fhir/v3/ConfidentialityClassification',
  'urn:oid:2.16.840.1.113883.5.25',
]);

/**
 * Sensitive-information categories (HL7 v3 ActCode `_ActInformationSensitivityPolicy` and
 * its relatives): HIV, substance use (ETH, ETHUD alcohol, OPIOIDUD opioids, SUD, and the US
 * 42 CFR Part 2 policy), mental and behavioural health (PSY, MH, BH, PSYTHPN psychotherapy
 * notes), sexual and domestic violence (SDV, DVD), sexuality and reproduction (SEX, STD),
 * genetics (GDIS), military sexual trauma (MST), sickle cell (SCA), special protection (SPI),
 * taboo (TBOO), cognitive (COGN), emotional disturbance (EMOTDIS), social (SOC), and
 * information the patient asked to protect (PRS).
 */
export const SENSITIVE_CATEGORY_CODES = new Set([
  'HIV', 'ETH', 'ETHUD', 'OPIOIDUD', 'SUD', '42CFRPART2', 'PSY', 'MH', 'BH', 'PSYTHPN', 'SDV', 'DVD', 'SEX', 'STD', 'GDIS', 'MST', 'SCA', 'SPI', 'TBOO',
  'COGN', 'EMOTDIS', 'SOC', 'PRS',
]);

/**
 * Role-based sensitivity codes (celebrity, employee, adolescent, physician-requested,
 * diagnosis/drug/location information): the record deserves care but is not a special
 * category, so `private`.
 */
export const PRIVATE_CATEGORY_CODES = new Set(['CEL', 'EMP', 'ADOL', 'PHY', 'DIA', 'DRGIS', 'LOCIS']);

const RANK: Record<Sensitivity, number> = { normal: 0, private: 1, secret: 2 };

/** The stronger of sensitivities. */
export function strongest(...values: (Sensitivity | undefined)[]): Sensitivity {
  let out: Sensitivity = 'normal';
  for (const v of values) if (v && RANK[v] > RANK[out]) out = v;
  return out;
}

/** Sensitivity of a list of security labels (Codings). */
export function labelsSensitivity(labels: unknown): Sensitivity {
  let result: Sensitivity = 'normal';
  for (const label of arr(labels)) {
    if (!isObj(label) || typeof label.code !== 'string') continue;
    const code = label.code.trim().toUpperCase();
    const confidentiality = label.system === undefined || (typeof label.system === 'string' && CONFIDENTIALITY_SYSTEMS.has(label.system.trim()));
    if (SENSITIVE_CATEGORY_CODES.has(code) || (confidentiality && code === 'V')) return 'secret';
    if (PRIVATE_CATEGORY_CODES.has(code) || (confidentiality && code === 'R')) result = 'private';
  }
  return result;
}

/**
 * Maps a resource's security labels to the vault's sensitivity (DESIGN.md invariant 3):
 * `meta.security`, a DocumentReference's `securityLabel` and a Composition's `confidentiality`.
 * - confidentiality `V` (very restricted) or any sensitive-category code above → `secret`
 *   (encrypted only: never indexed, embedded or put in a prompt, whatever a rule says);
 * - confidentiality `R` (restricted) or a role-based code above → `private` (never shared by a
 *   broad rule's default, but the person may still clear it item by item);
 * - anything else (`N`, `L`, `M`, `U`, purpose-of-use, …) → `normal`.
 * Codes are matched whatever system a server wrote (some omit it); the confidentiality
 * letters only with a confidentiality system (current, older or OID form) or none, since
 * single letters are ambiguous.
 */
export function sensitivityOf(resource: Json): Sensitivity {
  const meta = isObj(resource.meta) ? resource.meta : undefined;
  const labelConcepts = arr(resource.securityLabel).flatMap((l) => (isObj(l) && Array.isArray(l.coding) ? l.coding : [l]));
  const composition = resource.resourceType === 'Composition' && typeof resource.confidentiality === 'string' ? [{ code: resource.confidentiality }] : [];
  return strongest(labelsSensitivity(meta?.security), labelsSensitivity(labelConcepts), labelsSensitivity(composition));
}
