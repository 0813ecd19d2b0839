import { PostgresAdapter, type CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { Executor } from './database.ts';

const SLOT = Symbol('cached-query slot');
type Slot = { readonly [SLOT]: number | string };

const isSlot = (v: unknown): v is Slot => typeof v === 'object' && v !== null && SLOT in v;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
/** A query-builder expression or callback inside the values: it is SQL, not a value, so it cannot be a slot. */
const isSqlPart = (v: unknown) =>
  typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as { toOperationNode?: unknown }).toOperationNode === 'function');

type Plan = { compiled: CompiledQuery; params: Array<{ arg: number; key?: string } | { value: unknown }> };

/**
 * A query built with Kysely once per shape and dialect, then run with new values. Building and
 * compiling a query costs about as much as running a primary-key read on SQLite, and its immutable
 * query tree is garbage right after; the mail and alert paths run several such statements per message
 * (see bench/README.md for what caching them did).
 *
 * `build` receives stand-ins for its arguments and must use each only as a value (never in `$if` or
 * other JS logic): every stand-in has to come out as a parameter of the compiled query, which is
 * checked when it is first built. An argument that is a plain object (an insert's values, an
 * update's `set`) is part of the shape by its keys, so each set of keys is built once; one holding an
 * expression or callback, and a list (for `in`), are built afresh every time.
 */
export function cachedQuery<Args extends unknown[], O>(build: (exec: Executor, ...args: Args) => Compilable<O>) {
  const plans = new Map<string, Plan>();

  const planFor = (exec: Executor, args: Args): Plan | null => {
    let key = exec.getExecutor().adapter instanceof PostgresAdapter ? 'pg' : 'sqlite';
    for (const a of args) {
      // A list (`in`) is as many parameters as it has items: a shape of its own each time.
      if (Array.isArray(a)) return null;
      if (!isRecord(a)) continue;
      const keys = Object.keys(a).filter((k) => a[k] !== undefined);
      if (keys.some((k) => isSqlPart(a[k]))) return null;
      key += `|${keys.join(',')}`;
    }
    const known = plans.get(key);
    if (known) return known;
    const stand = args.map((a, i) => (isRecord(a)
      ? Object.fromEntries(Object.keys(a).filter((k) => a[k] !== undefined).map((k) => [k, { [SLOT]: `${i}.${k}` }]))
      : { [SLOT]: i })) as unknown as Args;
    const compiled = build(exec, ...stand).compile();
    const params = compiled.parameters.map((p) => {
      if (!isSlot(p)) return { value: p };
      const slot = String(p[SLOT]);
      const dot = slot.indexOf('.');
      return dot < 0 ? { arg: Number(slot) } : { arg: Number(slot.slice(0, dot)), key: slot.slice(dot + 1) };
    });
    const used = new Set(params.map((p) => ('arg' in p ? `${p.arg}.${p.key ?? ''}` : '')));
    stand.forEach((s, i) => {
      const wanted = isRecord(args[i]) ? Object.keys(s as object).map((k) => `${i}.${k}`) : [`${i}.`];
      for (const w of wanted) if (!used.has(w)) throw new Error(`cachedQuery: argument ${w} is not a parameter of the query (${compiled.sql})`);
    });
    const plan = { compiled, params };
    if (plans.size < 100) plans.set(key, plan);
    return plan;
  };

  const execute = (exec: Executor, args: Args): Promise<QueryResult<O>> => {
    const plan = planFor(exec, args);
    if (!plan) return exec.executeQuery(build(exec, ...args).compile());
    const parameters = plan.params.map((p) => ('value' in p ? p.value : p.key === undefined ? args[p.arg] : (args[p.arg] as Record<string, unknown>)[p.key]));
    return exec.executeQuery<O>({ ...plan.compiled, parameters } as CompiledQuery<O>);
  };

  return {
    async all(exec: Executor, ...args: Args): Promise<O[]> {
      return (await execute(exec, args)).rows;
    },
    async first(exec: Executor, ...args: Args): Promise<O | undefined> {
      return (await execute(exec, args)).rows[0];
    },
    async firstOrThrow(exec: Executor, ...args: Args): Promise<O> {
      const rows = (await execute(exec, args)).rows;
      if (rows.length === 0) throw new Error('no result');
      return rows[0]!;
    },
    async run(exec: Executor, ...args: Args): Promise<{ changed: number }> {
      return { changed: Number((await execute(exec, args)).numAffectedRows ?? 0) };
    },
  };
}
