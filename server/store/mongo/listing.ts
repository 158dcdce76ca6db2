// The conversation list: the port's filters as a MongoDB query plus a keyset cursor on
// (activityAt, _id), the same order as SQLite's COALESCE(last_message_at, created_at) DESC,
// id DESC. activityAt is that COALESCE, stored on every write that changes it.
import type { QueryFilter } from 'mongoose';
import { ParleyError } from '../../core/errors';
import type { ConversationFilter } from '../../core/ports';
import type { ConversationDoc } from './schemas';

/** The sort key of the last document of a page. */
export interface ListCursor {
  at: number;
  id: string;
}

/** Newest activity first; the id breaks ties so the order is total and pages are stable. */
export const LIST_SORT = { activityAt: -1, _id: -1 } as const;

// A tag in front of the payload: a cursor from the SQLite store (or from an older format)
// is refused cleanly instead of being misread.
const TAG = 'm1.';

export function encodeCursor(c: ListCursor): string {
  return TAG + Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

/** Cursors come back from clients, so anything malformed is a 400, not a crash. */
export function decodeCursor(cursor: string): ListCursor {
  try {
    if (cursor.startsWith(TAG)) {
      const parsed: unknown = JSON.parse(Buffer.from(cursor.slice(TAG.length), 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 2 && Number.isFinite(parsed[0]) && typeof parsed[1] === 'string') {
        return { at: parsed[0] as number, id: parsed[1] };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new ParleyError('VALIDATION_FAILED', [{ path: 'cursor', message: 'The cursor is not valid. Start again from the first page.' }]);
}

export function buildListFilter(filter: ConversationFilter, cursor: ListCursor | null): QueryFilter<ConversationDoc> {
  const and: QueryFilter<ConversationDoc>[] = [];
  const eq: Record<string, unknown> = {};
  if (filter.status !== undefined) eq.status = filter.status;
  if (filter.channel !== undefined) eq.channel = filter.channel;
  // `field: null` matches null and missing alike, like SQL's IS NULL on a nullable column.
  if (filter.departmentId !== undefined) eq.departmentId = filter.departmentId;
  if (filter.assigneeId !== undefined) eq.assigneeId = filter.assigneeId;
  if (filter.siteId !== undefined) eq.siteId = filter.siteId;
  if (filter.visitorId !== undefined) eq.visitorId = filter.visitorId;
  if (filter.inboxId !== undefined) eq.inboxId = filter.inboxId;
  if (Object.keys(eq).length) and.push(eq as QueryFilter<ConversationDoc>);
  if (filter.visibleTo) {
    const { departments, agentId } = filter.visibleTo;
    const visible: QueryFilter<ConversationDoc>[] = [{ departmentId: null }, { assigneeId: agentId }];
    // No `$in: []` branch for an agent without departments: it matches nothing anyway, and
    // some MongoDB-compatible servers reject the empty list.
    if (departments.length) visible.push({ departmentId: { $in: departments } });
    and.push({ $or: visible });
  }
  if (cursor) {
    and.push({ $or: [{ activityAt: { $lt: cursor.at } }, { activityAt: cursor.at, _id: { $lt: cursor.id } }] });
  }
  if (and.length === 0) return {};
  return and.length === 1 ? and[0]! : { $and: and };
}
