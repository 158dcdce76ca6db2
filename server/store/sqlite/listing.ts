// The conversation list query: dynamic filters plus a keyset cursor. Keyset (not OFFSET)
// paging keeps pages stable while new messages reorder the inbox and costs the same on
// page 100 as on page 1.
import { ParleyError } from '../../core/errors';
import type { ConversationFilter } from '../../core/ports';
import { ACTIVITY } from './statements';

/** The sort key of the last row of a page: (activity, id). */
export interface ListCursor {
  at: number;
  id: string;
}

export function encodeCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

/** Cursors come back from clients, so anything malformed is a 400, not a crash. */
export function decodeCursor(cursor: string): ListCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isFinite(parsed[0]) && typeof parsed[1] === 'string') {
      return { at: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ParleyError('VALIDATION_FAILED', [{ path: 'cursor', message: 'The cursor is not valid. Start again from the first page.' }]);
}

export interface ListQuery {
  /** Depends only on which filters are present, so it can key a statement cache. */
  sql: string;
  params: unknown[];
}

export function buildListQuery(filter: ConversationFilter, limit: number, cursor: ListCursor | null): ListQuery {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.channel !== undefined) add('channel = ?', filter.channel);
  if (filter.departmentId !== undefined) nullable(add, 'department_id', filter.departmentId);
  if (filter.assigneeId !== undefined) nullable(add, 'assignee_id', filter.assigneeId);
  if (filter.siteId !== undefined) add('site_id = ?', filter.siteId);
  if (filter.visitorId !== undefined) add('visitor_id = ?', filter.visitorId);
  // With visitorId: the sender's threads in this inbox (conversations_inbox_visitor_activity).
  if (filter.inboxId !== undefined) add('inbox_id = ?', filter.inboxId);
  if (filter.visibleTo) {
    // The department list travels as one JSON parameter so the SQL text (and so the cached
    // statement) does not depend on how many departments the agent has.
    add(
      '(department_id IS NULL OR department_id IN (SELECT value FROM json_each(?)) OR assignee_id = ?)',
      JSON.stringify(filter.visibleTo.departments),
      filter.visibleTo.agentId,
    );
  }
  if (cursor) add(`(${ACTIVITY} < ? OR (${ACTIVITY} = ? AND id < ?))`, cursor.at, cursor.at, cursor.id);
  const sql = `SELECT *, ${ACTIVITY} AS activity FROM conversations
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${ACTIVITY} DESC, id DESC LIMIT ?`;
  // One extra row tells whether another page exists without a COUNT.
  params.push(limit + 1);
  return { sql, params };
}

function nullable(add: (clause: string, ...values: unknown[]) => void, column: string, value: string | null): void {
  if (value === null) add(`${column} IS NULL`);
  else add(`${column} = ?`, value);
}
