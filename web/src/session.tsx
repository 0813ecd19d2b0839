import { createContext, useContext } from 'react';
import type { Agent } from './types.ts';

export type Session = { me: Agent; isAdmin: boolean; signOut(): Promise<void> };

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
