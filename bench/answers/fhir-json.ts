import { SYS, type Code } from './codes.ts';

/** FHIR JSON as the generator writes it. */
export type Json = Record<string, any>;
export type Security = 'HIV' | 'PSY' | 'V';

export const SECURITY: Record<Security, Json> = {
  HIV: { system: SYS.actCode, code: 'HIV', display: 'HIV/AIDS information sensitivity' },
  PSY: { system: SYS.actCode, code: 'PSY', display: 'psychiatry disorder information sensitivity' },
  V: { system: SYS.confidentiality, code: 'V', display: 'very restricted' },
};

export const concept = (system: string, c: Code) => ({ coding: [{ system, code: c.code, display: c.display }], text: c.display });
export const ref = (id: string, display?: string) => ({ reference: `urn:uuid:${id}`, ...(display ? { display } : {}) });

/** The `meta` of a resource carrying these labels. */
export const labelled = (security?: Security[]) => (security?.length ? { meta: { security: security.map((s) => SECURITY[s]) } } : {});
