import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import * as repo from '../db/rules.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { RuleInput } from './item-input.ts';
import type { ItemService } from './items.ts';

export interface RuleView {
  id: string;
  source: string | null;
  kind: string | null;
  category: string | null;
  tag: string | null;
  shareWithAi: boolean;
  shareWithCloud: boolean;
  priority: number;
  expiresAt: string | null;
  expired: boolean;
  createdAt: string;
}

/** Sharing rules: "share every item matching X with the AI (until T)". Precedence lives in SQL. */
export class RuleService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly items: ItemService,
  ) {}

  async list(userId: string): Promise<RuleView[]> {
    return (await repo.listRules(this.db, userId)).map(toView);
  }

  async create(userId: string, input: RuleInput): Promise<RuleView> {
    if (!input.source && !input.kind && !input.category && !input.tag) {
      throw new ValidationError('A rule must match on at least one of source, kind, category or tag.');
    }
    const id = randomUUID();
    await repo.insertRule(this.db, {
      id,
      userId,
      source: input.source ?? null,
      kind: input.kind ?? null,
      category: input.category ?? null,
      tag: input.tag ?? null,
      shareWithAi: input.shareWithAi,
      shareWithCloud: input.shareWithCloud ?? false,
      priority: input.priority ?? 0,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    this.items.notifyRulesChanged(userId);
    return (await this.list(userId)).find((r) => r.id === id)!;
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await repo.deleteRule(this.db, userId, id))) throw new NotFoundError('rule');
    this.items.notifyRulesChanged(userId);
  }
}

function toView(r: Awaited<ReturnType<typeof repo.listRules>>[number]): RuleView {
  return {
    id: r.id,
    source: r.source,
    kind: r.kind,
    category: r.category,
    tag: r.tag,
    shareWithAi: r.share_with_ai,
    shareWithCloud: r.share_with_cloud,
    priority: r.priority,
    expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
    expired: r.expires_at ? new Date(r.expires_at).getTime() <= Date.now() : false,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
