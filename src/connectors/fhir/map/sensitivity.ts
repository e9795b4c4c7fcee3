import type { Sensitivity } from '../../../db/schema.ts';
import { arr, isObj, type Json } from './datatypes.ts';

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/**
 * Sensitive-information categories (HL7 v3 ActCode / ActInformationSensitivityPolicy): HIV,
 * substance use (ETH, SUD), mental and behavioural health (PSY, MH, BH, PSYTHPN), sexual and
 * domestic violence (SDV, DVD), sexuality and reproduction (SEX, STD), genetics (GDIS),
 * military sexual trauma (MST), sickle cell (SCA), special protection (SPI), taboo (TBOO),
 * cognitive (COGN), emotional disturbance (EMOTDIS), social (SOC).
 */
export const SENSITIVE_CATEGORY_CODES = new Set([
  'HIV', 'ETH', 'SUD', 'PSY', 'MH', 'BH', 'PSYTHPN', 'SDV', 'DVD', 'SEX', 'STD', 'GDIS', 'MST', 'SCA', 'SPI', 'TBOO', 'COGN', 'EMOTDIS', 'SOC',
]);

/**
 * Maps `meta.security` labels to the vault's sensitivity (DESIGN.md invariant 3):
 * - confidentiality `V` (very restricted) or any sensitive-category code above → `secret`
 *   (encrypted only: never indexed, embedded or put in a prompt, whatever a rule says);
 * - confidentiality `R` (restricted) → `private` (never shared by a broad rule's default,
 *   but the person may still clear it item by item);
 * - anything else (`N`, `L`, `M`, `U`, purpose-of-use, …) → `normal`.
 * Codes are matched whatever system a server wrote (some omit it); the confidentiality
 * letters only with the confidentiality system or none, since single letters are ambiguous.
 */
export function sensitivityOf(resource: Json): Sensitivity {
  const meta = isObj(resource.meta) ? resource.meta : undefined;
  let result: Sensitivity = 'normal';
  for (const label of arr(meta?.security)) {
    if (!isObj(label) || typeof label.code !== 'string') continue;
    const code = label.code.trim().toUpperCase();
    const confidentiality = label.system === undefined || label.system === CONFIDENTIALITY;
    if (SENSITIVE_CATEGORY_CODES.has(code) || (confidentiality && code === 'V')) return 'secret';
    if (confidentiality && code === 'R') result = 'private';
  }
  return result;
}
