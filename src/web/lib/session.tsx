import { createContext, useContext } from 'hono/jsx/dom';
import type { Me, VaultSummary } from './types.ts';

/** The signed-in person and their vault counts, shared by every screen. */
export interface Session {
  me: Me;
  /** Re-reads /api/me (after sharing changes, so the counts stay right). */
  refresh(): Promise<void>;
  setSummary(v: VaultSummary): void;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}
