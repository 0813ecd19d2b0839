/** Who does something: a signed-in agent (or their API token), or the system on behalf of a module. */
export type Actor =
  | { kind: 'agent'; agentId: number; role: 'admin' | 'agent'; name: string }
  | { kind: 'system'; name: string };

export const systemActor = (name: string): Actor => ({ kind: 'system', name });
