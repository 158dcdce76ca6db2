// Keyset paging, shared by both adapters: a query asks for one row more than the page, and
// that extra row tells whether another page exists without a count.
import type { Page } from '../core/ports';

export function pageFrom<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (last: R) => string): Page<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(map), nextCursor: more && last ? cursorOf(last) : null };
}
