import { AppError, registerErrorStatus } from '../errors.ts';

/**
 * The only way the gateway reaches a model (DESIGN.md invariants 5 and 8). Implementations:
 * `DockerModelPool` (ephemeral, tmpfs-only containers on an internal network) and
 * `ExternalModelPool` (one fixed OLLAMA_URL, reported as not ephemeral).
 */

/** How a lease ended, as the pool sees it: 'failed' and 'retire' destroy the container. */
export type LeaseOutcome = 'ok' | 'failed' | 'retire';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** Always sent as options.num_ctx: Ollama silently truncates long prompts otherwise. */
  numCtx: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatChunk {
  /** Text of this token chunk ('' on the final chunk). */
  text: string;
  done: boolean;
  /** On the final chunk: token counts and durations as Ollama reports them. */
  usage?: { promptTokens: number; completionTokens: number; totalDurationMs: number };
}

/** A container (or the external server) held by one request of one user. */
export interface ModelLease extends AsyncDisposable {
  readonly id: string;
  readonly userId: string;
  /** Streams a chat completion; throws ModelStreamError on an `{"error"}` line or broken stream. */
  chat(req: ChatRequest): AsyncIterable<ChatChunk>;
  embed(req: { model: string; input: string[]; signal?: AbortSignal; numCtx?: number }): Promise<number[][]>;
  /**
   * Returns the container to the pool ('ok'), has it destroyed and replaced as broken ('failed'),
   * or destroyed and replaced though it worked ('retire': it held a prompt of an account that is
   * being deleted, so it serves no one again; counted as a rotation, not a failure).
   */
  release(outcome?: LeaseOutcome): Promise<void>;
}

export interface PoolHealth {
  ok: boolean;
  backend: 'docker' | 'external';
  ephemeral: boolean;
  warm: number;
  busy: number;
  starting: number;
  queued: number;
  chatModel: { name: string; present: boolean | null };
  embedModel: { name: string; present: boolean | null };
  detail?: string;
}

export interface ModelPool {
  readonly backend: 'docker' | 'external';
  start(): Promise<void>;
  /**
   * Hands out a ready model for one request of `userId`. Waits in a bounded queue when every
   * container is busy; throws PoolSaturatedError after the deadline, PoolUnavailableError when
   * the backend is down.
   */
  lease(userId: string, opts?: { signal?: AbortSignal }): Promise<ModelLease>;
  health(): Promise<PoolHealth>;
  close(): Promise<void>;
}

export class PoolSaturatedError extends AppError {
  constructor(retryAfterS: number) {
    super('pool_saturated', 'Every model is busy right now; try again in a few seconds.', undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))),
    });
  }
}

export class PoolUnavailableError extends AppError {
  constructor(message = 'No model backend is available right now.') {
    super('model_unavailable', message, undefined, { 'Retry-After': '10' });
  }
}

export class ModelStreamError extends AppError {
  constructor(message: string) {
    super('model_failed', message);
  }
}

registerErrorStatus('pool_saturated', 503);
registerErrorStatus('model_unavailable', 503);
registerErrorStatus('model_failed', 502);
