import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { insertOauthState, takeOauthState } from '../../db/connections.ts';
import type { KeyService } from '../../vault/keys.ts';

/** Why a callback's state was refused; each becomes `?error=<code>` for the web client. */
export type StateProblem = 'invalid_state' | 'state_expired' | 'session_mismatch';

export class StateError extends Error {
  constructor(readonly problem: StateProblem) {
    super(problem);
  }
}

const hash = (state: string) => createHash('sha256').update(state).digest('base64url');

/**
 * One-time OAuth states: bound to the user and the session that started the flow, valid for
 * a few minutes, consumed atomically on first use (a replay finds nothing). The PKCE verifier
 * rides along sealed with the user's key; only a hash of the state is stored.
 */
export class OAuthStateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: KeyService,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async create(s: { state: string; verifier: string; userId: string; sessionId: string; provider: string }): Promise<void> {
    const k = await this.keys.forUser(s.userId);
    await insertOauthState(this.db, {
      stateHash: hash(s.state),
      userId: s.userId,
      sessionId: s.sessionId,
      provider: s.provider,
      verifierEnc: k.encrypt(`oauth-state:${s.provider}`, s.verifier),
      expiresAt: new Date(Date.now() + this.ttlMs),
    });
  }

  /** Takes the state (whatever happens next, it cannot be used again) and checks its binding. */
  async consume(state: string, who: { userId: string; sessionId: string }, provider: string): Promise<{ verifier: string }> {
    if (!state || state.length > 512) throw new StateError('invalid_state');
    const row = await takeOauthState(this.db, hash(state));
    if (!row || row.provider !== provider) throw new StateError('invalid_state');
    if (row.user_id !== who.userId || row.session_id !== who.sessionId) throw new StateError('session_mismatch');
    if (new Date(row.expires_at).getTime() < Date.now()) throw new StateError('state_expired');
    const k = await this.keys.forUser(row.user_id);
    return { verifier: k.decryptText(`oauth-state:${provider}`, row.verifier_enc)! };
  }
}
