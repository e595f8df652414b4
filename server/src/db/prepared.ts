/**
 * Put first in a statement run often with different values (ingest's), so
 * that on PostgreSQL it becomes a prepared statement on each connection:
 * parsed and planned once instead of every time, which for ingest's large
 * statements was about a quarter of the database's work. PGlite reads it as
 * the comment it is.
 */
export const preparedStatement = '/* prepared */';
