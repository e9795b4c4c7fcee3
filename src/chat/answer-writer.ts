import type { Logger } from 'pino';
import type { MessageStatus } from '../db/schema.ts';
import type { ConversationStore } from './conversations.ts';

export interface AnswerMeta {
  userId: string;
  conversationId: string;
  itemIds: string[];
  model: string;
}

/**
 * Saves an answer while it streams, so a crash of the gateway keeps what was said: the row is
 * created (status `streaming`, encrypted like every message) at the first token, rewritten at
 * most every `everyMs` while tokens come, and written a last time with the final status. Writes
 * run one at a time off the token path; a failed intermediate save is retried by the next one.
 */
export class AnswerWriter {
  private id: string | undefined;
  private text = '';
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** A save is queued or scheduled that will include text appended now. */
  private pending = false;
  private begun = false;
  private dropped = false;

  constructor(
    private readonly store: ConversationStore,
    private readonly meta: AnswerMeta,
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  /** Adds streamed text; the first call creates the row, later ones schedule a save. */
  append(text: string): void {
    this.text += text;
    if (this.dropped || this.pending) return;
    this.pending = true;
    if (!this.begun) {
      this.begun = true;
      this.enqueue();
    } else {
      this.timer = setTimeout(() => this.enqueue(), this.everyMs);
    }
  }

  /** Writes the answer with its final status (creating the row if no token came); its id, or null if it could not be stored. */
  async finish(status: Exclude<MessageStatus, 'streaming'>, usage?: unknown): Promise<string | null> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped) return null;
    this.dropped = true; // nothing after the final write
    await this.chain;
    const { store, meta } = this;
    try {
      if (this.id && (await store.updateAnswer(meta.userId, this.id, { content: this.text, status, usage }))) return this.id;
      return await store.addMessage(meta.userId, { conversationId: meta.conversationId, role: 'assistant', content: this.text, status, itemIds: meta.itemIds, model: meta.model, usage });
    } catch (e) {
      this.log.warn({ conversationId: meta.conversationId, err: (e as Error).name }, 'storing the answer failed');
      return null;
    }
  }

  /** Stops every further write (the account is being deleted); resolves once a write in flight is over. */
  async drop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dropped = true;
    await this.chain;
  }

  private enqueue(): void {
    this.chain = this.chain.then(() => this.save());
  }

  private async save(): Promise<void> {
    this.timer = undefined;
    this.pending = false; // text appended from here on needs the next save
    if (this.dropped) return;
    const { store, meta } = this;
    try {
      if (!this.id) {
        this.id = await store.addMessage(meta.userId, { conversationId: meta.conversationId, role: 'assistant', content: this.text, status: 'streaming', itemIds: meta.itemIds, model: meta.model });
      } else {
        await store.updateAnswer(meta.userId, this.id, { content: this.text, status: 'streaming' });
      }
    } catch (e) {
      this.log.warn({ conversationId: meta.conversationId, err: (e as Error).name }, 'saving the streaming answer failed; the next save retries');
    }
  }
}
