import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/types.ts';
import * as repo from '../db/disclosures.ts';

export interface DisclosureView {
  id: string;
  conversationId: string | null;
  model: string;
  purpose: string;
  itemIds: string[];
  createdAt: string;
}

/** Disclosure accounting (invariant 6): which item ids went to which model, when. Never content. */
export class AuditService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Must be called, and awaited, before the prompt or embedding request leaves for a model. */
  async recordDisclosure(
    d: { userId: string; conversationId?: string | null; model: string; purpose: 'chat' | 'embedding'; itemIds: string[] },
    db: Db = this.db,
  ): Promise<string> {
    const id = randomUUID();
    await repo.insertDisclosure(db, { id, userId: d.userId, conversationId: d.conversationId ?? null, model: d.model, purpose: d.purpose, itemIds: d.itemIds });
    return id;
  }

  async list(userId: string, opts: { conversationId?: string; limit?: number; before?: string } = {}): Promise<DisclosureView[]> {
    const rows = await repo.listDisclosures(this.db, userId, {
      conversationId: opts.conversationId,
      limit: opts.limit ?? 100,
      before: opts.before ? new Date(opts.before) : undefined,
    });
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      model: r.model,
      purpose: r.purpose,
      itemIds: r.item_ids,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }
}
