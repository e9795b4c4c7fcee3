import type { Sensitivity } from '../../../db/schema.ts';
import { arr, isObj, str, type Json } from './datatypes.ts';
import { sensitivityOf, strongest } from './sensitivity.ts';

/** A resource as found in a Bundle: the resource, the entry's `fullUrl`, the Bundles' own labels. */
export interface Located {
  resource: Json;
  fullUrl?: string;
  /** Sensitivity of the enclosing Bundles' `meta.security` (it applies to every entry). */
  inherited?: Sensitivity;
}

/** `Type/id` of a relative or absolute reference (`…/Medication/123/_history/2` → `Medication/123`). */
export function typeAndId(reference: string): string | undefined {
  const m = reference.match(/(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9._-]{1,200})(?:\/_history\/[^/]+)?$/);
  return m ? m[1] : undefined;
}

/**
 * Resolves the references of one import: relative (`Medication/1`), absolute
 * (`https://…/Medication/1`), version-specific, Bundle entry `fullUrl`s (Synthea's
 * `urn:uuid:…`), and `#id` references to a resource's own `contained` resources.
 * Also answers which DocumentReference points at a given Binary (by any of those forms).
 */
export class ResourceIndex {
  private readonly byUrl = new Map<string, Json>();
  private readonly byTypeId = new Map<string, Json>();
  /** `Type|system|value` of each identifier: Synthea refers to practitioners and organisations conditionally. */
  private readonly byIdentifier = new Map<string, Json>();
  private readonly docsByBinary = new Map<string, Json[]>();
  private readonly inherited = new WeakMap<Json, Sensitivity>();
  private readonly planByGoal = new WeakMap<Json, Json>();

  constructor(located: Iterable<Located>) {
    const docs: Json[] = [];
    const plans: Json[] = [];
    for (const { resource: r, fullUrl, inherited } of located) {
      if (inherited && inherited !== 'normal') this.inherited.set(r, inherited);
      if (fullUrl) this.byUrl.set(fullUrl, r);
      if (typeof r.resourceType === 'string' && typeof r.id === 'string') this.byTypeId.set(`${r.resourceType}/${r.id}`, r);
      if (r.resourceType === 'DocumentReference' || r.resourceType === 'DiagnosticReport') docs.push(r);
      if (r.resourceType === 'CarePlan') plans.push(r);
      if (typeof r.resourceType === 'string' && r.identifier !== undefined) {
        for (const id of arr(r.identifier)) {
          const value = isObj(id) ? str(id.value) : undefined;
          if (!value) continue;
          const system = str((id as Json).system) ?? '';
          this.byIdentifier.set(`${r.resourceType}|${system}|${value}`, r);
          if (!this.byIdentifier.has(`${r.resourceType}||${value}`)) this.byIdentifier.set(`${r.resourceType}||${value}`, r);
        }
      }
    }
    for (const plan of plans) {
      for (const g of arr(plan.goal)) {
        const goal = isObj(g) && typeof g.reference === 'string' ? this.resolve(g.reference, plan) : undefined;
        if (goal?.resourceType === 'Goal' && !this.planByGoal.has(goal)) this.planByGoal.set(goal, plan);
      }
    }
    for (const doc of docs) {
      const attachments = doc.resourceType === 'DiagnosticReport' ? arr(doc.presentedForm) : arr(doc.content).map((c) => (isObj(c) ? c.attachment : undefined));
      for (const a of attachments) {
        const url = isObj(a) ? str(a.url) : undefined;
        if (!url) continue;
        const target = this.resolve(url, doc);
        const id = target?.resourceType === 'Binary' && typeof target.id === 'string' ? target.id : url.match(/(?:^|\/)Binary\/([A-Za-z0-9._-]+)$/)?.[1];
        if (!id) continue;
        const list = this.docsByBinary.get(id);
        if (!list) this.docsByBinary.set(id, [doc]);
        else if (!list.includes(doc)) list.push(doc);
      }
    }
  }

  /** The resource a reference points at, looked up in `from.contained` for `#id` references. */
  resolve(reference: string, from?: Json): Json | undefined {
    const ref = reference.trim();
    if (ref.startsWith('#')) {
      const id = ref.slice(1);
      return arr(from?.contained).find((c): c is Json => isObj(c) && c.id === id);
    }
    const exact = this.byUrl.get(ref);
    if (exact) return exact;
    // A conditional reference: `Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999`.
    const cond = ref.match(/^(?:.*\/)?([A-Z][A-Za-z]+)\?identifier=([^&]+)$/);
    if (cond) {
      let token: string;
      try {
        token = decodeURIComponent(cond[2]);
      } catch {
        token = cond[2];
      }
      const bar = token.lastIndexOf('|');
      const key = bar >= 0 ? `${cond[1]}|${token.slice(0, bar)}|${token.slice(bar + 1)}` : `${cond[1]}||${token}`;
      return this.byIdentifier.get(key);
    }
    const key = typeAndId(ref);
    return key ? this.byTypeId.get(key) ?? this.byUrl.get(ref.replace(/\/_history\/[^/]+$/, '')) : undefined;
  }

  /** The CarePlan listing this Goal, if any (Synthea's goals carry no date of their own). */
  planFor(goal: Json): Json | undefined {
    return this.planByGoal.get(goal);
  }

  /** The DocumentReference (or DiagnosticReport `presentedForm`) whose attachment points at this Binary, if any. */
  documentFor(binaryId: string): Json | undefined {
    return this.docsByBinary.get(binaryId)?.[0];
  }

  /**
   * The sensitivity an item of this resource must have: its own labels, its Bundle's, and for a
   * Binary also those of every DocumentReference pointing at it and of its `securityContext`
   * (a note's text is as sensitive as the most sensitive document it belongs to).
   */
  sensitivity(r: Json, inherited?: Sensitivity): Sensitivity {
    const own = strongest(sensitivityOf(r), inherited, this.inherited.get(r));
    if (r.resourceType !== 'Binary' || own === 'secret') return own;
    const docs = typeof r.id === 'string' ? this.docsByBinary.get(r.id) ?? [] : [];
    const ctxRef = isObj(r.securityContext) ? str(r.securityContext.reference) : undefined;
    const context = ctxRef ? this.resolve(ctxRef, r) : undefined;
    const linked = [...docs, context].filter((x): x is Json => x !== undefined && x !== r);
    return strongest(own, ...linked.map((x) => strongest(sensitivityOf(x), this.inherited.get(x))));
  }
}
