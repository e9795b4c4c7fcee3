/**
 * Record titles for the "What the AI has seen" list, fetched in bulk and at most once each.
 * The disclosures carry ids only (DESIGN: no content in the audit), so titles come from the
 * vault: first one listing of up to `listLimit` records (for most vaults, every title in a
 * single request), then single-record reads, a few at a time, for ids the listing did not
 * include. A listing that reached the end also proves the missing ids were deleted.
 */
export interface TitleSource {
  /** One page of the vault listing; `complete` when it holds every record there is. */
  list(): Promise<{ items: { id: string; title: string }[]; complete: boolean }>;
  /** One record's title; null if it no longer exists (other errors throw). */
  one(id: string): Promise<string | null>;
}

export interface TitleLoader {
  /** id → title; null for a record since deleted; absent while unknown. */
  readonly titles: ReadonlyMap<string, string | null>;
  /** Fetches what is not known yet; resolves when those ids are settled (known or failed). */
  load(ids: string[]): Promise<void>;
}

export function createTitleLoader(src: TitleSource, opts: { concurrency?: number; onChange?(): void } = {}): TitleLoader {
  const titles = new Map<string, string | null>();
  const pending = new Map<string, Promise<void>>();
  let listing: Promise<boolean> | null = null;
  const concurrency = opts.concurrency ?? 4;

  const fetchOne = (id: string): Promise<void> =>
    src.one(id).then(
      (t) => {
        titles.set(id, t);
      },
      () => undefined, // unknown stays unknown (shown as "Record"); a later load may try again
    );

  return {
    titles,
    async load(ids) {
      listing ??= src.list().then(
        (r) => {
          for (const it of r.items) titles.set(it.id, it.title);
          opts.onChange?.();
          return r.complete;
        },
        () => false,
      );
      const complete = await listing;
      const wanted = [...new Set(ids)];
      const missing = wanted.filter((id) => !titles.has(id) && !pending.has(id));
      if (complete) {
        for (const id of missing) titles.set(id, null);
        if (missing.length) opts.onChange?.();
      } else {
        const queue = [...missing];
        const mine = new Map<string, () => void>();
        for (const id of missing) pending.set(id, new Promise<void>((r) => mine.set(id, r)));
        const worker = async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            await fetchOne(id);
            pending.delete(id);
            mine.get(id)!();
            opts.onChange?.();
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
      }
      // Ids another call is already fetching: wait for those too.
      await Promise.all(wanted.map((id) => pending.get(id)).filter(Boolean));
    },
  };
}
