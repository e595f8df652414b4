import { z } from 'zod';

/**
 * A keyset cursor for lists ordered by a time, then an id (runs, dead letters):
 * `<milliseconds>.<id>` of the last row of a page. The next page starts after
 * it, so a page costs the same however deep, and rows added meanwhile do not
 * shift it.
 */
export const timeCursorSchema = z.string().max(100).regex(/^\d{1,15}\.[\w-]{1,64}$/, 'is not a cursor the Hub handed out');

export interface TimeCursor {
  at: Date;
  id: string;
}

export function encodeTimeCursor(cursor: TimeCursor): string {
  return `${cursor.at.getTime()}.${cursor.id}`;
}

export function decodeTimeCursor(cursor: string): TimeCursor {
  const dot = cursor.indexOf('.');
  return { at: new Date(Number(cursor.slice(0, dot))), id: cursor.slice(dot + 1) };
}

/** A page of `limit` rows out of `limit + 1` read, and the cursor of the next one. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => TimeCursor): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? encodeTimeCursor(cursorOf(page.at(-1)!)) : null };
}
