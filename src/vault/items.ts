import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Sensitivity } from '../db/schema.ts';
import type { Db } from '../db/types.ts';
import * as repo from '../db/items.ts';
import { NotFoundError, ReadOnlyError, AppError } from '../errors.ts';
import type { UserKeys } from './crypto.ts';
import type { KeyService } from './keys.ts';
import { MAX_INDEXED_CHARS, blindTsquery, blindTsvector } from './blind-index.ts';
import { rangeEnd, type ItemPatch, type ListQuery, type NewItem, type PermissionsInput } from './item-input.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { StatsKeeper } from '../db/maintenance.ts';

export interface ItemPermissions {
  shareWithAi: boolean | null;
  shareWithCloud: boolean | null;
  readOnly: boolean;
  expiresAt: string | null;
}

export interface EffectivePermission {
  shareWithAi: boolean;
  shareWithCloud: boolean;
  expiresAt: string | null;
  /** What decided: the item's own setting, a sharing rule, the secret label, or the default deny. */
  via: 'item' | 'rule' | 'secret' | 'default';
  ruleId: string | null;
}

export interface ItemView {
  id: string;
  kind: string;
  source: string;
  sourceId: string | null;
  title: string;
  effectiveAt: string | null;
  sensitivity: Sensitivity;
  tags: string[];
  categories: string[];
  permissions: ItemPermissions;
  effectivePermission: EffectivePermission;
  createdAt: string;
  updatedAt: string;
}

export interface ItemDetail extends ItemView {
  text: string | null;
  content: unknown;
}

/** What importers hand to `importItems`: a NewItem with a required source identity. */
export type ImportItem = Omit<NewItem, 'source' | 'sourceId' | 'permissions'> & { source: string; sourceId: string };

export interface VaultEvents {
  /** Called after items' content or permissions change (embedding upkeep listens here). */
  itemsChanged?(userId: string, itemIds: string[], why: 'created' | 'updated' | 'permissions' | 'deleted'): void;
  /** Called after a sharing rule is added or removed: any item's effective permission may differ. */
  rulesChanged?(userId: string): void;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/** The vault's item operations. Every call is scoped to one user; content is sealed per user. */
export class ItemService {
  private readonly listeners: VaultEvents[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly stats = new StatsKeeper(),
  ) {}

  subscribe(l: VaultEvents): void {
    this.listeners.push(l);
  }

  private emit(userId: string, ids: string[], why: 'created' | 'updated' | 'permissions' | 'deleted'): void {
    if (!ids.length) return;
    for (const l of this.listeners) l.itemsChanged?.(userId, ids, why);
  }

  notifyRulesChanged(userId: string): void {
    for (const l of this.listeners) l.rulesChanged?.(userId);
  }

  async create(userId: string, input: NewItem): Promise<ItemDetail> {
    return (await this.save(userId, input)).item;
  }

  /**
   * Creates an item. One that carries a `sourceId` is a re-import when the vault already holds
   * that (source, sourceId): it goes through the importers' upsert, so the item keeps its id,
   * its content is replaced (unchanged content writes nothing), the user's permission settings
   * stay unless `permissions` is given, sensitivity is never lowered, and a read-only item is
   * refused with 409.
   */
  async save(userId: string, input: NewItem): Promise<{ item: ItemDetail; created: boolean }> {
    const keys = await this.keys.forUser(userId);
    const source = input.source ?? 'user';
    const p = input.permissions;
    const perms = {
      shareWithAi: p?.shareWithAi ?? null,
      shareWithCloud: p?.shareWithCloud ?? null,
      readOnly: p?.readOnly ?? false,
      expiresAt: p?.expiresAt ? new Date(p.expiresAt) : null,
    };
    if (input.sourceId === undefined) {
      const id = randomUUID();
      const [write] = await this.seal(this.db, keys, [{ ...input, id, source, sourceId: null }]);
      await repo.insertItem(this.db, { ...write, ...perms });
      this.emit(userId, [id], 'created');
      return { item: await this.get(userId, id), created: true };
    }
    const sourceId = input.sourceId;
    // Refused before anything is written (the upsert itself also skips read-only rows).
    if ((await repo.findItemBySource(this.db, userId, source, sourceId))?.read_only) throw new ReadOnlyError();
    const [write] = await this.seal(this.db, keys, [{ ...input, id: randomUUID(), source, sourceId }]);
    const result = await this.upsert(this.db, userId, [{ ...write, ...perms }]);
    const created = result.inserted.length > 0;
    let id = result.inserted[0] ?? result.updated[0];
    if (!id) {
      // Unchanged content, or the item turned read-only since the check above.
      const now = await repo.findItemBySource(this.db, userId, source, sourceId);
      if (!now) throw new NotFoundError('item');
      if (now.read_only) throw new ReadOnlyError();
      id = now.id;
    }
    if (p && !created) return { item: await this.setPermissions(userId, id, p), created };
    return { item: await this.get(userId, id), created };
  }

  /**
   * Tells the listeners (embedding upkeep) of items changed earlier: a bulk import that wrote
   * with `quiet` announces its items now and then instead of after every batch.
   */
  announce(userId: string, ids: { inserted: string[]; updated: string[] }): void {
    this.emit(userId, ids.inserted, 'created');
    this.emit(userId, ids.updated, 'updated');
  }

  /**
   * Idempotent batch import keyed by (source, sourceId); see repo.upsertItems for the rules.
   * `quiet`: the listeners are not told (the caller announces the items later, see `announce`).
   */
  async importItems(userId: string, items: ImportItem[], db: Db = this.db, opts: { quiet?: boolean } = {}): Promise<repo.UpsertResult> {
    if (!items.length) return { inserted: [], updated: [], unchanged: 0 };
    const keys = await this.keys.forUser(userId, db);
    // Within one batch the last version of a sourceId wins, as a later re-import would.
    const byKey = new Map<string, ImportItem>();
    for (const it of items) byKey.set(`${it.source}\u0000${it.sourceId}`, it);
    const writes = await this.seal(db, keys, [...byKey.values()].map((it) => ({ ...it, id: randomUUID() })));
    return this.upsert(db, userId, writes, opts.quiet);
  }

  /** The one write path of keyed items (importers and API re-imports). */
  private async upsert(db: Db, userId: string, writes: repo.ItemWrite[], quiet = false): Promise<repo.UpsertResult> {
    const result = await repo.upsertItems(db, writes);
    await this.stats.wrote(db, 'items', result.inserted.length + result.updated.length);
    if (!quiet) this.announce(userId, result);
    return result;
  }

  async get(userId: string, id: string): Promise<ItemDetail> {
    const row = await repo.getItem(this.db, userId, id);
    if (!row) throw new NotFoundError('item');
    const keys = await this.keys.forUser(userId);
    return {
      ...this.view(keys, row),
      text: keys.decryptText('text', row.text_enc),
      content: keys.decryptJson('content', row.content_enc),
    };
  }

  async list(userId: string, q: ListQuery): Promise<{ items: ItemView[]; nextCursor: string | null }> {
    const keys = await this.keys.forUser(userId);
    const limit = q.limit ?? 50;
    let blindQuery: string | undefined;
    if (q.q && q.q.trim()) {
      const parsed = await repo.parseSearchQuery(this.db, q.q);
      if (!parsed) return { items: [], nextCursor: null };
      blindQuery = blindTsquery(keys, parsed);
    }
    const rows = await repo.listItems(this.db, {
      userId,
      kind: q.kind,
      source: q.source,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? rangeEnd(q.to) : undefined,
      tag: q.tag,
      sensitivity: q.sensitivity,
      aiReadable: q.shared === undefined ? undefined : q.shared === 'ai',
      blindQuery,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.view(keys, r)),
      nextCursor: rows.length > limit && last ? encodeCursor({ sortKey: last.sort_key, id: last.id }) : null,
    };
  }

  async update(userId: string, id: string, patch: ItemPatch): Promise<ItemDetail> {
    const state = await repo.findItemState(this.db, userId, id);
    if (!state) throw new NotFoundError('item');
    if (state.read_only) throw new ReadOnlyError();
    const keys = await this.keys.forUser(userId);
    const title = patch.title ?? keys.decryptText('title', state.title_enc)!;
    const text = patch.text !== undefined ? patch.text : keys.decryptText('text', state.text_enc);
    const content = patch.content !== undefined ? patch.content : keys.decryptJson('content', state.content_enc);
    const [w] = await this.seal(this.db, keys, [
      {
        id,
        kind: patch.kind ?? state.kind,
        source: '',
        sourceId: null,
        title,
        text: text ?? undefined,
        content,
        effectiveAt: patch.effectiveAt !== undefined ? patch.effectiveAt : iso(state.effective_at),
        sensitivity: patch.sensitivity ?? state.sensitivity,
        tags: patch.tags ?? state.tags,
        categories: patch.categories ?? state.categories,
      },
    ]);
    await repo.updateItem(this.db, userId, id, {
      kind: w.kind,
      tags: w.tags,
      categories: w.categories,
      effective_at: w.effectiveAt,
      sensitivity: w.sensitivity,
      title_enc: w.titleEnc,
      text_enc: w.textEnc,
      content_enc: w.contentEnc,
      content_hash: w.contentHash,
      search: w.search,
    });
    this.emit(userId, [id], 'updated');
    return this.get(userId, id);
  }

  async setPermissions(userId: string, id: string, p: PermissionsInput): Promise<ItemDetail> {
    const state = await repo.findItemState(this.db, userId, id);
    if (!state) throw new NotFoundError('item');
    const next = {
      shareWithAi: p.shareWithAi !== undefined ? p.shareWithAi : state.share_with_ai,
      shareWithCloud: p.shareWithCloud !== undefined ? p.shareWithCloud : state.share_with_cloud,
      readOnly: p.readOnly ?? state.read_only,
      expiresAt: p.expiresAt !== undefined ? (p.expiresAt ? new Date(p.expiresAt) : null) : state.expires_at ? new Date(state.expires_at) : null,
    };
    await repo.setItemPermissions(this.db, userId, id, next);
    this.emit(userId, [id], 'permissions');
    return this.get(userId, id);
  }

  async delete(userId: string, id: string): Promise<void> {
    const state = await repo.findItemState(this.db, userId, id);
    if (!state) throw new NotFoundError('item');
    if (state.read_only) throw new ReadOnlyError();
    await repo.deleteItem(this.db, userId, id);
    this.emit(userId, [id], 'deleted');
  }

  async summary(userId: string) {
    const c = await repo.countItems(this.db, userId);
    return { total: c.total, sharedWithAi: c.shared_with_ai, secret: c.secret };
  }

  /**
   * One page of the user's items, decrypted, newest first (the export streams them page by page).
   * `next` is where the following page starts, absent after the last page.
   */
  async exportPage(userId: string, after?: repo.ItemKeyset, limit = 200): Promise<{ items: ItemDetail[]; next?: repo.ItemKeyset }> {
    const keys = await this.keys.forUser(userId);
    const rows = await repo.listItemsForExport(this.db, userId, after, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({
        ...this.view(keys, r),
        text: keys.decryptText('text', r.text_enc),
        content: keys.decryptJson('content', r.content_enc),
      })),
      ...(rows.length === limit && last ? { next: { sortKey: last.sort_key, id: last.id } } : {}),
    };
  }

  /** Every item of the user, decrypted, in memory (tests and small vaults; the export streams pages). */
  async exportAll(userId: string): Promise<ItemDetail[]> {
    const out: ItemDetail[] = [];
    let after: repo.ItemKeyset | undefined;
    do {
      const page = await this.exportPage(userId, after, 500);
      out.push(...page.items);
      after = page.next;
    } while (after);
    return out;
  }

  /** Encrypts, fingerprints and blind-indexes items (one stemming round trip for the batch). */
  private async seal(
    db: Db,
    keys: UserKeys,
    items: (Omit<NewItem, 'source' | 'sourceId' | 'permissions'> & { id: string; source: string; sourceId: string | null })[],
  ): Promise<repo.ItemWrite[]> {
    for (const it of items) {
      if (it.content !== undefined && !isJsonValue(it.content)) throw new AppError('validation_failed', 'content must be JSON');
    }
    const indexable = items.filter((it) => (it.sensitivity ?? 'normal') !== 'secret');
    const vectors = await repo.stemForIndex(
      db,
      indexable.map((it) => ({ title: it.title, text: (it.text ?? '').slice(0, MAX_INDEXED_CHARS) })),
    );
    const searchById = new Map(indexable.map((it, n) => [it.id, blindTsvector(keys, vectors[n])]));
    return items.map((it) => {
      const sensitivity = it.sensitivity ?? 'normal';
      const effectiveAt = it.effectiveAt ? new Date(it.effectiveAt) : null;
      const tags = [...new Set(it.tags ?? [])];
      const categories = [...new Set(it.categories ?? [])];
      return {
        id: it.id,
        userId: keys.userId,
        kind: it.kind,
        source: it.source,
        sourceId: it.sourceId,
        categories,
        tags,
        effectiveAt,
        sensitivity,
        titleEnc: keys.encrypt('title', it.title),
        textEnc: keys.encryptText('text', it.text),
        contentEnc: keys.encryptJson('content', it.content),
        contentHash: keys.fingerprint(
          JSON.stringify([it.kind, it.title, it.text ?? null, it.content ?? null, effectiveAt?.toISOString() ?? null, sensitivity, tags, categories]),
        ),
        search: searchById.get(it.id) ?? null,
      };
    });
  }

  private view(keys: UserKeys, r: repo.ItemRow): ItemView {
    return {
      id: r.id,
      kind: r.kind,
      source: r.source,
      sourceId: r.source_id,
      title: keys.decryptText('title', r.title_enc)!,
      effectiveAt: iso(r.effective_at),
      sensitivity: r.sensitivity,
      tags: r.tags,
      categories: r.categories,
      permissions: {
        shareWithAi: r.share_with_ai,
        shareWithCloud: r.share_with_cloud,
        readOnly: r.read_only,
        expiresAt: iso(r.expires_at),
      },
      effectivePermission: {
        shareWithAi: r.eff_share_with_ai,
        shareWithCloud: r.eff_share_with_cloud,
        expiresAt: iso(r.eff_expires_at),
        via: r.eff_via as EffectivePermission['via'],
        ruleId: r.eff_rule_id,
      },
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    };
  }
}

function isJsonValue(v: unknown): boolean {
  try {
    return JSON.stringify(v) !== undefined;
  } catch {
    return false;
  }
}
