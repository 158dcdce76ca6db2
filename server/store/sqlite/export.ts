// Every record of a Parley SQLite database as domain objects, for `parley migrate-to-mongo`.
import type Database from 'better-sqlite3';
import type { Collection, Exporter, Records } from '../transfer';
import { toExternalId, toMessenger, type ExternalIdRow, type MessengerRow } from './channels';
import { toInbox, toMailItem, type InboxRow, type MailItemRow } from './inboxes';
import { toJob, type JobRow } from './outbox';
import {
  toAgent, toAttachment, toConversation, toDepartment, toMessage, toSession, toSite, toVisitor,
  type AgentRow, type AttachmentRow, type ConversationRow, type DepartmentRow, type MessageRow, type SessionRow, type SiteRow, type VisitorRow,
} from './rows';

/** `cursor`: the column to page by; rowid unless the table is WITHOUT ROWID. */
const TABLES: { [C in Collection]: { table: string; cursor?: string; map: (row: any) => Records[C] } } = {
  settings: { table: 'settings', cursor: 'key', map: (r: { key: string; value: string }) => ({ key: r.key, value: JSON.parse(r.value) as unknown }) },
  sites: { table: 'sites', map: (r: SiteRow) => toSite(r) },
  departments: { table: 'departments', map: (r: DepartmentRow) => toDepartment(r) },
  agents: { table: 'agents', map: (r: AgentRow) => toAgent(r) },
  sessions: { table: 'sessions', map: (r: SessionRow) => toSession(r) },
  visitors: { table: 'visitors', map: (r: VisitorRow) => toVisitor(r) },
  conversations: { table: 'conversations', map: (r: ConversationRow) => toConversation(r) },
  messages: { table: 'messages', map: (r: MessageRow) => toMessage(r) },
  attachments: { table: 'attachments', map: (r: AttachmentRow) => toAttachment(r) },
  outbox: { table: 'outbox_jobs', map: (r: JobRow) => toJob(r) },
  messengers: { table: 'messengers', map: (r: MessengerRow) => toMessenger(r) },
  externalIds: { table: 'external_ids', map: (r: ExternalIdRow) => toExternalId(r) },
  inboxes: { table: 'inboxes', map: (r: InboxRow) => toInbox(r) },
  mailItems: { table: 'mail_items', map: (r: MailItemRow) => toMailItem(r) },
  rememberedKeys: {
    table: 'remembered_keys', cursor: 'key',
    map: (r: { key: string; value: string; expires_at: number }) => ({ key: r.key, value: r.value, expiresAt: r.expires_at }),
  },
};

export function sqliteExporter(db: Database.Database): Exporter {
  return {
    count: (c) => (db.prepare(`SELECT count(*) AS n FROM ${TABLES[c].table}`).get() as { n: number }).n,
    *batches<C extends Collection>(c: C, size: number): Iterable<Records[C][]> {
      const { table, map, cursor = 'rowid' } = TABLES[c];
      // Keyset paging: stable while nothing else writes, which the command ensures.
      const page = db.prepare(`SELECT ${cursor} AS _cursor, * FROM ${table} WHERE ${cursor} > ? ORDER BY ${cursor} LIMIT ?`);
      let after: number | string = cursor === 'rowid' ? 0 : '';
      for (;;) {
        const rows = page.all(after, size) as ({ _cursor: number | string } & Record<string, unknown>)[];
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!._cursor;
        yield rows.map(({ _cursor: _c, ...row }) => map(row) as Records[C]);
      }
    },
  };
}
