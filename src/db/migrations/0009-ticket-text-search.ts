import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../migration-helpers.ts';

/**
 * Searching ticket summaries for a piece of text (`q=`) scanned the whole table: 1.6 s at a million
 * tickets. A trigram index serves "contains" as it is, so the search keeps its meaning (any
 * substring, case-insensitive) for needles of three characters or more:
 * - SQLite: an FTS5 table with the trigram tokenizer over `tickets.summary`, kept by triggers;
 * - PostgreSQL: a GIN index with pg_trgm's operator class, which `ilike '%…%'` uses as it is. The
 *   extension is created when the database user may; otherwise search works as before, by scanning
 *   (docs/ARCHITECTURE.md says how to add it later).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await trigramIndexPostgres(db);
  else await trigramIndexSqlite(db);
}

async function trigramIndexSqlite(db: Kysely<any>) {
  await sql`create virtual table tickets_fts using fts5(summary, content = 'tickets', content_rowid = 'id', tokenize = 'trigram')`.execute(db);
  await sql`create trigger tickets_fts_insert after insert on tickets begin
    insert into tickets_fts (rowid, summary) values (new.id, new.summary);
  end`.execute(db);
  await sql`create trigger tickets_fts_delete after delete on tickets begin
    insert into tickets_fts (tickets_fts, rowid, summary) values ('delete', old.id, old.summary);
  end`.execute(db);
  await sql`create trigger tickets_fts_update after update of summary on tickets begin
    insert into tickets_fts (tickets_fts, rowid, summary) values ('delete', old.id, old.summary);
    insert into tickets_fts (rowid, summary) values (new.id, new.summary);
  end`.execute(db);
  await sql`insert into tickets_fts (tickets_fts) values ('rebuild')`.execute(db);
}

async function trigramIndexPostgres(db: Kysely<any>) {
  // Extensions belong to the database: processes migrating other schemas at the same time wait here.
  await sql`select pg_advisory_xact_lock(hashtext('relaydesk:pg_trgm'))`.execute(db);
  let schema = (await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
    join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)).rows[0]?.schema;
  if (!schema) {
    const { rows } = await sql<{ ok: boolean }>`select case
      when not exists (select 1 from pg_namespace where nspname = 'public') then false
      else exists (select 1 from pg_available_extension_versions v where v.name = 'pg_trgm'
               and (v.trusted or (select rolsuper from pg_roles where rolname = current_user)))
           and has_database_privilege(current_database(), 'CREATE') and has_schema_privilege('public', 'CREATE')
      end as ok`.execute(db);
    if (!rows[0]?.ok) return;
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
    schema = 'public';
  }
  await sql`create index tickets_summary_trigram on tickets using gin (summary ${sql.id(schema)}.gin_trgm_ops)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
