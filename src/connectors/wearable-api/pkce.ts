import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 PKCE: a random verifier and its S256 challenge. */
export function newPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function newState(): string {
  return randomBytes(24).toString('base64url');
}

/** States are stored hashed: a database reader cannot complete someone's authorization. */
export function hashState(state: string): string {
  return createHash('sha256').update(`wearable-oauth-state\0${state}`).digest('base64url');
}
