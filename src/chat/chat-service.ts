import type { Logger } from 'pino';
import { ModelStreamError, type ChatChunk, type ModelLease, type ModelPool } from '../pool/model-pool.ts';
import { NotFoundError } from '../errors.ts';
import type { AuditService } from '../vault/audit.ts';
import type { Retriever } from '../retrieval/retriever.ts';
import { buildPrompt, type BuiltPrompt, type HistoryTurn } from '../retrieval/prompt.ts';
import { startEarly } from '../lib/start-early.ts';
import type { ConversationStore } from './conversations.ts';
import { AnswerWriter } from './answer-writer.ts';
import { endedByDeletion, UserStreams } from './user-streams.ts';

export interface ContextItem {
  id: string;
  title: string;
  kind: string;
  effectiveAt: string | null;
}

export type ChatEvent =
  | { type: 'token'; text: string }
  | { type: 'done'; conversationId: string; messageId: string; usage: { promptTokens: number; completionTokens: number; totalDurationMs: number } | null; cited: string[] }
  | { type: 'error'; code: string; message: string; conversationId: string; messageId: string | null };

/** A chat turn that has its model and its context, ready to stream. */
export interface PreparedChat {
  conversationId: string;
  context: ContextItem[];
  /** The context as sent to the model: sections of lines, each citing its items (a series carries its points). */
  sections: BuiltPrompt['sections'];
  /** Record kinds the question asked for that have no AI-readable record ("allergy"). */
  absent: string[];
  /**
   * `nothing_shared`: the person has shared nothing with the AI (the UI says "share some records
   * first"); `none_of_kind`: the asked kind has no AI-readable record (`absent` names it);
   * `nothing_relevant`: records are shared but none matched.
   */
  notice?: 'nothing_shared' | 'nothing_relevant' | 'none_of_kind';
  run(): AsyncIterable<ChatEvent>;
  abort(reason: string): void;
}

export interface ChatOptions {
  chatModel: string;
  embedModel: string;
  numCtx: number;
  /** How often an answer is saved while it streams (a crash keeps it up to this much behind). */
  saveEveryMs?: number;
}

/**
 * One chat turn: lease a model (503 before anything streams if none is free), retrieve only
 * cleared items, build the prompt, record the disclosure, then stream. Disconnect or stop
 * aborts generation at once and returns the container to rotation.
 */
export class ChatService {
  private readonly active = new Map<string, { userId: string; controller: AbortController }>();
  private readonly streams = new UserStreams();

  constructor(
    private readonly deps: { pool: ModelPool; retriever: Retriever; audit: AuditService; conversations: ConversationStore; log: Logger },
    private readonly opts: ChatOptions,
  ) {}

  async prepare(
    userId: string,
    input: { message: string; conversationId?: string; history?: HistoryTurn[]; origin?: 'web' | 'api' },
    signal?: AbortSignal,
  ): Promise<PreparedChat> {
    const { pool, retriever, conversations } = this.deps;
    let conversationId = input.conversationId;
    let history = input.history ?? [];
    if (conversationId) {
      history = await conversations.history(userId, conversationId);
    }
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = Math.round((performance.now() - t0) * 10) / 10);
    const controller = new AbortController();
    const untrack = this.streams.track(userId, controller);
    const onOuterAbort = () => controller.abort(new Error('client disconnected'));
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    let lease: ModelLease;
    try {
      lease = await pool.lease(userId, { signal: controller.signal });
    } catch (e) {
      signal?.removeEventListener('abort', onOuterAbort);
      untrack();
      throw endedByDeletion(controller.signal) ? controller.signal.reason : e;
    }
    mark('leaseMs');
    try {
      // The question is embedded only if free-text search runs (structured questions need no vector).
      const embed = async (text: string): Promise<number[] | null> => {
        try {
          const [v] = await lease.embed({ model: this.opts.embedModel, input: [text], signal: controller.signal });
          return v ?? null;
        } catch (e) {
          if (controller.signal.aborted) throw e;
          this.deps.log.warn({ err: (e as Error).name }, 'question embedding failed; lexical retrieval only');
          return null;
        }
      };
      const found = await retriever.retrieve(userId, input.message, { history, embed });
      mark('retrieveMs');
      const prompt = buildPrompt({ question: input.message, sections: found.sections, records: found.records, history, numCtx: this.opts.numCtx });
      const itemIds = prompt.included.map((i) => i.id);
      // The question and the disclosure are stored together, before anything leaves.
      conversationId = await conversations.startTurn(userId, { conversationId, question: input.message, origin: input.origin ?? 'web', itemIds, model: this.opts.chatModel });
      mark('persistMs');
      let notice: PreparedChat['notice'];
      if (!prompt.included.length && !(await retriever.anyReadable(userId))) notice = 'nothing_shared';
      else if (found.absent.length) notice = 'none_of_kind';
      else if (!prompt.included.length) notice = 'nothing_relevant';
      const key = conversationId;
      this.active.get(key)?.controller.abort(new Error('superseded by a newer message'));
      this.active.set(key, { userId, controller });
      const context: ContextItem[] = prompt.included.map((i) => ({ id: i.id, title: i.title, kind: i.kind, effectiveAt: i.effectiveAt?.toISOString() ?? null }));
      this.deps.log.info({ conversationId, items: itemIds.length, mode: found.mode, sections: prompt.sections.length, estTokens: prompt.estimatedTokens, ...marks }, 'chat prepared');
      // The disclosure is stored: the prompt leaves now, and the model reads it while the caller
      // sends the context event (its first chunk waits for run()). Node writes a request to its
      // kept-alive connection in a nextTick, which would otherwise wait until every promise step
      // of the context event had run (≈1 ms): one tick first lets it out.
      const chunks = startEarly(lease.chat({ model: this.opts.chatModel, messages: prompt.messages, numCtx: this.opts.numCtx, signal: controller.signal }));
      await new Promise<void>((r) => process.nextTick(r));
      const self = this;
      return {
        conversationId,
        context,
        sections: prompt.sections,
        absent: found.absent,
        notice,
        abort: (reason) => controller.abort(new Error(reason)),
        async *run() {
          try {
            yield* self.stream(userId, key, lease, chunks, itemIds, controller);
          } finally {
            signal?.removeEventListener('abort', onOuterAbort);
            if (self.active.get(key)?.controller === controller) self.active.delete(key);
            untrack();
          }
        },
      };
    } catch (e) {
      signal?.removeEventListener('abort', onOuterAbort);
      // A container that held a deleted account's prompt is not reused (not a failure either).
      const deleted = endedByDeletion(controller.signal);
      await lease.release(deleted ? 'retire' : 'ok');
      untrack();
      throw deleted ? controller.signal.reason : e;
    }
  }

  /**
   * Ends every chat of `userId` at once (their streams end with `account_deleted`, nothing more
   * of them is stored, their containers are retired) and resolves when they stopped writing.
   * Called before an account's rows are deleted.
   */
  endStreamsOf(userId: string): Promise<number> {
    return this.streams.endAll(userId);
  }

  /** Stops the generation running in a conversation of this user. */
  stop(userId: string, conversationId: string): void {
    const a = this.active.get(conversationId);
    if (!a || a.userId !== userId) throw new NotFoundError('running generation');
    a.controller.abort(new Error('stopped by the user'));
  }

  private async *stream(userId: string, conversationId: string, lease: ModelLease, chunks: AsyncIterable<ChatChunk>, itemIds: string[], controller: AbortController): AsyncIterable<ChatEvent> {
    const { conversations, log } = this.deps;
    // The answer is stored as it streams: a crash of the gateway keeps what was said (as `error`).
    const writer = new AnswerWriter(conversations, { userId, conversationId, itemIds, model: this.opts.chatModel }, this.opts.saveEveryMs ?? 2000, log);
    let answer = '';
    let outcome: 'ok' | 'failed' | 'retire' = 'ok';
    try {
      let usage: { promptTokens: number; completionTokens: number; totalDurationMs: number } | null = null;
      let finished = false;
      for await (const chunk of chunks) {
        if (chunk.text) {
          answer += chunk.text;
          writer.append(chunk.text);
          yield { type: 'token', text: chunk.text };
        }
        if (chunk.done) {
          usage = chunk.usage ?? null;
          finished = true;
        }
      }
      // Ollama ends every answer with a `done` chunk; a stream that stops without one was cut
      // off (the container died, a proxy closed the connection), so the answer is not complete.
      if (!finished) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw new ModelStreamError('The model stream ended before the answer was finished.');
      }
      const messageId = await writer.finish('complete', usage);
      if (endedByDeletion(controller.signal)) throw controller.signal.reason; // deleted while the last write ran
      if (!messageId) throw new ModelStreamError('The answer could not be stored.');
      yield { type: 'done', conversationId, messageId, usage, cited: citedIds(answer, itemIds) };
    } catch (e) {
      if (endedByDeletion(controller.signal)) {
        // The account is going: nothing more of it is written, and its container is not reused.
        outcome = 'retire';
        await writer.drop();
        log.info({ conversationId }, 'chat ended: account deleted');
        const err = controller.signal.reason as Error & { code: string };
        yield { type: 'error', code: err.code, message: err.message, conversationId, messageId: null };
        return;
      }
      const aborted = controller.signal.aborted;
      // An abort is the person's choice, not the container's fault: it goes back to rotation.
      if (!aborted) outcome = 'failed';
      const messageId = await writer.finish(aborted ? 'incomplete' : 'error');
      const reason = aborted ? String((controller.signal.reason as Error)?.message ?? 'stopped') : 'The model failed while answering; the partial answer was kept.';
      log.warn({ conversationId, aborted, err: (e as Error).name }, 'chat ended early');
      yield { type: 'error', code: aborted ? 'aborted' : 'model_failed', message: reason, conversationId, messageId };
    } finally {
      await lease.release(outcome).catch(() => undefined);
    }
  }
}

/** Item ids the answer actually cites as [n]. */
export function citedIds(answer: string, itemIds: string[]): string[] {
  const cited = new Set<string>();
  for (const m of answer.matchAll(/\[(\d{1,3})\]/g)) {
    const id = itemIds[Number(m[1]) - 1];
    if (id) cited.add(id);
  }
  return [...cited];
}
