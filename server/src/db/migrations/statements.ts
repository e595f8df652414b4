import { sql, type Kysely, type Migration } from 'kysely';

/** A migration that runs its statements in order, and its down statements in order to undo it. */
export function statementsMigration(up: readonly string[], down: readonly string[]): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const statement of up) await sql.raw(statement).execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const statement of down) await sql.raw(statement).execute(db);
    },
  };
}
