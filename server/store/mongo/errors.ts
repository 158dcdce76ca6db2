// Duplicate-key errors to the port's DuplicateKeyError, with the same key names the
// SQLite adapter uses, so the core cannot tell the stores apart.
//
// MongoDB names the violated index in the error ("... index: <name> dup key: ..." plus
// keyPattern). FerretDB 1.x does neither: its E11000 says only the collection, and a
// findAndModify that violates a unique index fails with InternalError and the SQLite text
// "UNIQUE constraint failed". So the index is read from the error when it is there, and
// otherwise found by asking, after the fact, which unique key the rejected document holds.
import { DuplicateKeyError } from '../../core/ports';
import { INDEX } from './schemas';

/** The port-level key each unique index stands for. */
const KEY_OF_INDEX: Record<string, string> = {
  [INDEX.agentEmail]: 'agent.email',
  [INDEX.siteWidgetKey]: 'site.widgetKey',
  [INDEX.conversationOpenKey]: 'conversation.openKey',
  [INDEX.messageClientId]: 'message.clientId',
  [INDEX.messageSeq]: 'message.seq',
  [INDEX.jobKey]: 'job.key',
  [INDEX.messengerWebhookUrl]: 'messenger.webhookUrl',
  [INDEX.externalIdKey]: 'externalId.key',
  [INDEX.inboxAddress]: 'inbox.address',
  [INDEX.mailItemKey]: 'mailItem.key',
};

/** The same, by the index's fields, for servers that report a key pattern but no name. */
const KEY_OF_FIELDS: Record<string, string> = {
  emailLower: 'agent.email',
  widgetKey: 'site.widgetKey',
  openKey: 'conversation.openKey',
  'conversationId,clientKey': 'message.clientId',
  'conversationId,seq': 'message.seq',
  key: 'job.key',
  webhookUrl: 'messenger.webhookUrl',
  'source,externalId': 'externalId.key',
  address: 'inbox.address',
  'inboxId,key': 'mailItem.key',
};

interface MongoErrorLike {
  code?: unknown;
  message?: unknown;
  errmsg?: unknown;
  keyPattern?: Record<string, unknown>;
  keyValue?: Record<string, unknown>;
}

function textOf(e: MongoErrorLike): string {
  return String(e.errmsg ?? e.message ?? '');
}

export function isDuplicateKey(err: unknown): boolean {
  const e = err as MongoErrorLike | null;
  if (!e) return false;
  if (e.code === 11000 || e.code === 11001) return true;
  // FerretDB 1.x (SQLite backend) on findAndModify: InternalError carrying SQLite's text.
  return /UNIQUE constraint failed/.test(textOf(e));
}

/**
 * Which unique key a duplicate-key error is about, when the error says so: a port key,
 * '<entity>.id' for `_id`, or null when the server did not tell (or `err` is no duplicate).
 */
export function reportedKey(err: unknown, entity: string): string | null {
  if (!isDuplicateKey(err)) return null;
  const e = err as MongoErrorLike;
  const index = /index: (\S+)/.exec(textOf(e))?.[1];
  if (index === '_id_') return `${entity}.id`;
  if (index && KEY_OF_INDEX[index]) return KEY_OF_INDEX[index];
  const fields = Object.keys(e.keyPattern ?? e.keyValue ?? {}).join(',');
  if (fields === '_id') return `${entity}.id`;
  return KEY_OF_FIELDS[fields] ?? null;
}

/**
 * A unique key other than `_id` of the document being written, and how to tell whether
 * it is taken. Probes run only after a duplicate-key error whose index is unknown.
 */
export type UniqueProbe = [key: string, isTaken: () => Promise<boolean>];

/**
 * The port key of a duplicate-key error (null when `err` is not one): as reported, else
 * the first probe whose key is taken, else '<entity>.id' (the only other unique key).
 */
export async function duplicateKeyOf(err: unknown, entity: string, probes: UniqueProbe[] = []): Promise<string | null> {
  if (!isDuplicateKey(err)) return null;
  const reported = reportedKey(err, entity);
  if (reported) return reported;
  for (const [key, isTaken] of probes) if (await isTaken()) return key;
  return `${entity}.id`;
}

/** Awaits `write`, turning a duplicate-key error into DuplicateKeyError. */
export async function mapDuplicate<T>(entity: string, write: () => Promise<T>, probes: UniqueProbe[] = []): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const key = await duplicateKeyOf(err, entity, probes);
    if (key) throw new DuplicateKeyError(key);
    throw err;
  }
}
