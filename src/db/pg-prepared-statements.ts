import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

type ClientState = {
  /** Prepared statements by SQL text, least recently used first. */
  names: Map<string, string>;
  /** SQL texts run once, not (yet) prepared, least recently seen first. */
  seen: Set<string>;
  seq: number;
  generation: number;
  inTransaction: boolean;
};

const DDL = /^\s*(create|alter|drop|comment)\b/i;
const BEGIN = /^\s*(begin|start transaction)\b/i;
const END = /^\s*(commit|rollback)\s*$/i;
const STALE_PLAN = 'cached plan must not change result type';

const parsedStatements = (client: pg.PoolClient) =>
  (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on every execution;
 * for the short statements of mail and alert processing that is a large part of the server's
 * work. This names a parameterised statement the second time a connection runs it (a server-side
 * prepared statement) so later executions only bind and run. One-off texts (multi-row inserts of
 * a given size) stay unnamed, and each connection keeps at most `capacity`, least recently used
 * dropped first.
 *
 * A prepared `select *` or `returning *` fails once its table's columns change, so after any
 * DDL (migrations) every connection drops its prepared statements before its next query. DDL from
 * another process (a newer instance migrating) is noticed by that failure: the connection drops
 * its statements, and a statement outside a transaction is run again at once.
 */
export function withPreparedStatements(pool: pg.Pool, capacity = 500): PostgresPool {
  const states = new WeakMap<pg.PoolClient, ClientState>();
  let generation = 0;

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let state = states.get(client);
    if (!state) {
      state = { names: new Map(), seen: new Set(), seq: 0, generation, inTransaction: false };
      states.set(client, state);
    }
    const own = state;

    const forgetAll = async () => {
      if (own.names.size > 0) {
        await client.query('deallocate all');
        // pg remembers which names it has parsed on the connection; they are gone now.
        for (const name of own.names.values()) delete parsedStatements(client)[name];
        own.names.clear();
      }
      own.generation = generation;
    };

    /** The statement's name, preparing it on its second use; undefined to run it unnamed. */
    const nameFor = async (text: string): Promise<string | undefined> => {
      const known = own.names.get(text);
      if (known !== undefined) {
        own.names.delete(text);
        own.names.set(text, known);
        return known;
      }
      if (!own.seen.has(text)) {
        own.seen.add(text);
        if (own.seen.size > capacity) own.seen.delete(own.seen.values().next().value as string);
        return undefined;
      }
      own.seen.delete(text);
      if (own.names.size >= capacity) {
        const [oldText, oldName] = own.names.entries().next().value as [string, string];
        await client.query(`deallocate ${oldName}`);
        delete parsedStatements(client)[oldName];
        own.names.delete(oldText);
      }
      const name = `rd${own.seq++}`;
      own.names.set(text, name);
      return name;
    };

    const query = async (sqlOrCursor: unknown, values?: unknown[]) => {
      if (typeof sqlOrCursor !== 'string') return (client.query as (q: unknown) => unknown)(sqlOrCursor);
      if (DDL.test(sqlOrCursor)) {
        try {
          return await client.query(sqlOrCursor, values);
        } finally {
          generation++;
        }
      }
      if (!values || values.length === 0) {
        if (BEGIN.test(sqlOrCursor)) own.inTransaction = true;
        else if (END.test(sqlOrCursor)) own.inTransaction = false;
        return client.query(sqlOrCursor, values);
      }
      if (own.generation !== generation) await forgetAll();
      const name = await nameFor(sqlOrCursor);
      if (name === undefined) return client.query({ text: sqlOrCursor, values });
      try {
        return await client.query({ name, text: sqlOrCursor, values });
      } catch (err) {
        if (!(err instanceof Error) || !err.message.includes(STALE_PLAN)) throw err;
        // Forgotten before the next statement; inside a transaction that is after it has failed.
        own.generation = -1;
        if (own.inTransaction) throw err;
        await forgetAll();
        return client.query({ text: sqlOrCursor, values });
      }
    };

    return { release: (destroy?: boolean) => client.release(destroy), query: query as PostgresPoolClient['query'] };
  };

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
