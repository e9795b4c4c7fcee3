/**
 * A plain reference implementation of DESIGN.md's effective permission, written from the
 * text and independent of the SQL function it checks:
 * item setting (if set and not expired) > highest-priority unexpired matching rule > deny;
 * secret is never shared; a deny wins a priority tie, then the newest rule.
 */
export interface RefItem {
  kind: string;
  source: string;
  categories: string[];
  tags: string[];
  sensitivity: 'normal' | 'private' | 'secret';
  shareWithAi: boolean | null;
  expiresAt: Date | null;
}

export interface RefRule {
  id: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  shareWithAi: boolean;
  priority: number;
  expiresAt: Date | null;
  createdAt: Date;
}

function kindMatches(ruleKind: string, kind: string): boolean {
  if (ruleKind === kind) return true;
  return ruleKind.endsWith('*') && kind.startsWith(ruleKind.replace(/\*+$/, ''));
}

export function referencePermission(item: RefItem, rules: RefRule[], now: Date): { shareWithAi: boolean; via: string } {
  if (item.sensitivity === 'secret') return { shareWithAi: false, via: 'secret' };
  const live = (d: Date | null) => d === null || d.getTime() > now.getTime();
  if (item.shareWithAi !== null && live(item.expiresAt)) return { shareWithAi: item.shareWithAi, via: 'item' };
  const matching = rules.filter(
    (r) =>
      live(r.expiresAt) &&
      (r.source === null || r.source === item.source || item.source.startsWith(`${r.source}:`)) &&
      (r.kind === null || kindMatches(r.kind, item.kind)) &&
      (r.category === null || item.categories.includes(r.category)) &&
      (r.tag === null || item.tags.includes(r.tag)),
  );
  matching.sort(
    (a, b) =>
      b.priority - a.priority ||
      Number(a.shareWithAi) - Number(b.shareWithAi) ||
      b.createdAt.getTime() - a.createdAt.getTime() ||
      (a.id < b.id ? -1 : 1),
  );
  const top = matching[0];
  return top ? { shareWithAi: top.shareWithAi, via: 'rule' } : { shareWithAi: false, via: 'default' };
}
