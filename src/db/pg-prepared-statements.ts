import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

type ClientState = { names: Map<string, string>; generation: number; inTransaction: boolean };

const DDL = /^\s*(create|alter|drop|comment)\b/i;
const BEGIN = /^\s*(begin|start transaction)\b/i;
const END = /^\s*(commit|rollback)\s*$/i;
const STALE_PLAN = 'cached plan must not change result type';

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on every execution;
 * for the short statements of mail and alert processing that is a large part of the server's
 * work. This names each parameterised statement once per connection (a server-side prepared
 * statement) so later executions only bind and run.
 *
 * A prepared `select *` or `returning *` fails once its table's columns change, so after any
 * DDL (migrations) every connection drops its prepared statements before its next query. DDL from
 * another process (a newer instance migrating) is noticed by that failure: the connection drops
 * its statements, and a statement outside a transaction is run again at once.
 */
export function withPreparedStatements(pool: pg.Pool, capacity = 1000): PostgresPool {
  const states = new WeakMap<pg.PoolClient, ClientState>();
  let generation = 0;

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let state = states.get(client);
    if (!state) {
      state = { names: new Map(), generation, inTransaction: false };
      states.set(client, state);
    }
    const own = state;
    const forget = async () => {
      if (own.names.size > 0) {
        await client.query('deallocate all');
        // pg remembers which names it has parsed on the connection; they are gone now.
        (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements = {};
        own.names.clear();
      }
      own.generation = generation;
    };
    return {
      release: (destroy?: boolean) => client.release(destroy),
      query: (async (sqlOrCursor: unknown, values?: unknown[]) => {
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
        if (own.generation !== generation) await forget();
        let name = own.names.get(sqlOrCursor);
        if (name === undefined && own.names.size < capacity) {
          name = `rd${own.names.size}`;
          own.names.set(sqlOrCursor, name);
        }
        if (name === undefined) return client.query({ text: sqlOrCursor, values });
        try {
          return await client.query({ name, text: sqlOrCursor, values });
        } catch (err) {
          if (!(err instanceof Error) || !err.message.includes(STALE_PLAN)) throw err;
          // Forgotten before the next statement; inside a transaction that is after it has failed.
          own.generation = -1;
          if (own.inTransaction) throw err;
          await forget();
          return client.query({ text: sqlOrCursor, values });
        }
      }) as PostgresPoolClient['query'],
    };
  };

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
