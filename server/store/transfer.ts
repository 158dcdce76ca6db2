// Moving an installation from one store to another (SQLite -> MongoDB when a site
// outgrows one machine). Not part of the Store port: a source exports every record as
// it is (ids, timestamps, counters), a target imports them idempotently, so a migration
// that stopped half-way can simply be run again.
import type { OutboxJob } from '../core/ports';
import type {
  Agent, Attachment, Conversation, Department, ExternalId, Inbox, MailItem, Message, Messenger, Session, Site, Visitor,
} from '../core/types';

export interface Records {
  settings: { key: string; value: unknown };
  sites: Site;
  departments: Department;
  agents: Agent;
  sessions: Session;
  visitors: Visitor;
  conversations: Conversation;
  messages: Message;
  attachments: Attachment;
  outbox: OutboxJob;
  messengers: Messenger;
  externalIds: ExternalId;
  inboxes: Inbox;
  mailItems: MailItem;
  /** rememberKey records: replay protection, and which emails (POP3 UIDLs...) were imported already. */
  rememberedKeys: { key: string; value: string; expiresAt: number };
}
export type Collection = keyof Records;

/** In dependency order: what a record refers to is imported before it. */
export const COLLECTIONS: Collection[] = [
  'settings', 'sites', 'departments', 'agents', 'sessions', 'visitors', 'conversations', 'messages', 'attachments', 'outbox',
  'messengers', 'externalIds', 'inboxes', 'mailItems', 'rememberedKeys',
];
// Remembered keys move because some live long: a POP3 mailbox that leaves mail on the
// server knows what it imported only by them, and would import it all again without them.
// Not moved: leases (a stopped installation holds none worth keeping).

export interface Exporter {
  count(collection: Collection): number | Promise<number>;
  /** Every record of the collection, in batches. */
  batches<C extends Collection>(collection: C, size: number): AsyncIterable<Records[C][]> | Iterable<Records[C][]>;
}

export interface Importer {
  /** Inserts what is not there yet (by id); returns how many were new. */
  importBatch<C extends Collection>(collection: C, records: Records[C][]): Promise<number>;
  count(collection: Collection): Promise<number>;
}

export interface TransferReport {
  collection: Collection;
  source: number;
  imported: number;
  target: number;
}

export async function transfer(from: Exporter, to: Importer, onProgress: (r: TransferReport) => void = () => undefined, batchSize = 500): Promise<TransferReport[]> {
  const reports: TransferReport[] = [];
  for (const collection of COLLECTIONS) {
    let imported = 0;
    for await (const batch of from.batches(collection, batchSize)) imported += await to.importBatch(collection, batch);
    const report = { collection, source: await from.count(collection), imported, target: await to.count(collection) };
    reports.push(report);
    onProgress(report);
  }
  return reports;
}
