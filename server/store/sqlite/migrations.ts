// Schema migrations, applied in order at open. `PRAGMA user_version` holds the number of
// the last one applied; it lives in the database header, so it commits or rolls back
// together with the migration's DDL and a crash can never leave a half-applied version.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

// Never edit a released migration: databases in the field have already run it.
// Append a new one with the next version number instead.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE sites (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        widget_key      TEXT NOT NULL UNIQUE,
        allowed_origins TEXT NOT NULL,
        appearance      TEXT NOT NULL,
        prechat         TEXT NOT NULL,
        created_at      INTEGER NOT NULL
      );

      CREATE TABLE departments (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE agents (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        password_hash TEXT NOT NULL,
        departments   TEXT NOT NULL,
        avatar_url    TEXT,
        status        TEXT NOT NULL CHECK (status IN ('online', 'away', 'offline')),
        created_at    INTEGER NOT NULL
      );
      -- Emails are compared case-insensitively; queries must use lower(email) to hit it.
      CREATE UNIQUE INDEX agents_email_lower ON agents (lower(email));

      CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        agent_id   TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_agent ON sessions (agent_id);
      CREATE INDEX sessions_expires ON sessions (expires_at);

      CREATE TABLE visitors (
        id           TEXT PRIMARY KEY,
        site_id      TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        name         TEXT,
        email        TEXT,
        current_page TEXT,
        pages        TEXT NOT NULL,
        locale       TEXT,
        user_agent   TEXT,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      );
      CREATE INDEX visitors_site ON visitors (site_id);

      CREATE TABLE conversations (
        id                   TEXT PRIMARY KEY,
        site_id              TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        visitor_id           TEXT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
        status               TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
        -- visitor_id while open or pending, NULL once closed: the UNIQUE constraint is what
        -- guarantees one live conversation per visitor, even under concurrent writers.
        open_key             TEXT UNIQUE,
        name                 TEXT NOT NULL,
        channel              TEXT NOT NULL,
        department_id        TEXT REFERENCES departments (id) ON DELETE SET NULL,
        assignee_id          TEXT REFERENCES agents (id) ON DELETE SET NULL,
        last_seq             INTEGER NOT NULL DEFAULT 0,
        visitor_read_seq     INTEGER NOT NULL DEFAULT 0,
        agent_read_seq       INTEGER NOT NULL DEFAULT 0,
        last_message_at      INTEGER,
        last_message_preview TEXT,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL,
        CHECK ((status = 'closed') = (open_key IS NULL))
      );
      -- The inbox order; listConversations must use this exact expression to use them.
      CREATE INDEX conversations_activity
        ON conversations (COALESCE(last_message_at, created_at) DESC, id DESC);
      CREATE INDEX conversations_status_activity
        ON conversations (status, COALESCE(last_message_at, created_at) DESC, id DESC);
      CREATE INDEX conversations_visitor_activity
        ON conversations (visitor_id, COALESCE(last_message_at, created_at) DESC, id DESC);
      CREATE INDEX conversations_site ON conversations (site_id);
      CREATE INDEX conversations_department ON conversations (department_id);
      CREATE INDEX conversations_assignee ON conversations (assignee_id);

      CREATE TABLE messages (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        author_kind     TEXT NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'system')),
        author_id       TEXT,
        text            TEXT NOT NULL,
        attachments     TEXT NOT NULL,
        client_id       TEXT,
        channel         TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        UNIQUE (conversation_id, client_id),
        UNIQUE (conversation_id, seq)
      );

      CREATE TABLE attachments (
        id              TEXT PRIMARY KEY,
        message_id      TEXT REFERENCES messages (id) ON DELETE CASCADE,
        conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
        uploader_kind   TEXT NOT NULL CHECK (uploader_kind IN ('visitor', 'agent')),
        uploader_id     TEXT NOT NULL,
        name            TEXT NOT NULL,
        type            TEXT NOT NULL,
        size            INTEGER NOT NULL,
        created_at      INTEGER NOT NULL
      );
      CREATE INDEX attachments_message ON attachments (message_id);
      CREATE INDEX attachments_conversation ON attachments (conversation_id);
    `,
  },
  {
    version: 2,
    description: 'durable outbox and leases',
    sql: `
      CREATE TABLE outbox_jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        queue TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        locked_by TEXT,
        locked_until INTEGER NOT NULL DEFAULT 0,
        ord INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- The head of each queue: its oldest pending job.
      CREATE INDEX outbox_pending_queue ON outbox_jobs (queue, ord) WHERE status = 'pending';
      CREATE INDEX outbox_status ON outbox_jobs (status, updated_at);

      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'messengers, external ids and remembered keys',
    sql: `
      CREATE TABLE messengers (
        id                   TEXT PRIMARY KEY,
        site_id              TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        name                 TEXT NOT NULL,
        -- One messenger account serves one live chat: unique across the installation.
        webhook_url          TEXT NOT NULL UNIQUE,
        secret_sealed        TEXT NOT NULL,
        status               TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disconnected')),
        -- "returning" is an SQL keyword (RETURNING clauses): hence the longer name.
        returning_mode       TEXT NOT NULL CHECK (returning_mode IN ('reopen', 'new')),
        allow_operator_start INTEGER NOT NULL CHECK (allow_operator_start IN (0, 1)),
        last_error           TEXT,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL
      );
      CREATE INDEX messengers_created ON messengers (created_at, id);
      CREATE INDEX messengers_site_created ON messengers (site_id, created_at, id);

      -- A visitor's identity elsewhere; the primary key makes (source, external_id) unique.
      -- A rowid table: rowid order is insertion order, which externalIdsOfVisitor returns.
      CREATE TABLE external_ids (
        source      TEXT NOT NULL,
        external_id TEXT NOT NULL,
        visitor_id  TEXT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
        PRIMARY KEY (source, external_id)
      );
      CREATE INDEX external_ids_visitor ON external_ids (visitor_id);

      -- Replay protection and inbound idempotency: a key is live until expires_at.
      CREATE TABLE remembered_keys (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX remembered_keys_expires ON remembered_keys (expires_at);
    `,
  },
  {
    version: 4,
    description: 'visitor avatars (from messenger profiles)',
    sql: `ALTER TABLE visitors ADD COLUMN avatar_url TEXT;`,
  },
  {
    version: 5,
    description: 'email piping: inboxes, mail items, email conversations and email metadata on messages',
    sql: `
      -- The inbox an email conversation came through. No foreign key: deleting an inbox
      -- leaves its conversations (and this reference) as they are. An email conversation
      -- is a thread, not held to one live conversation per visitor: while live, its open
      -- key is its own ('c:' || id), never the visitor's, and the CHECK keeps it so.
      ALTER TABLE conversations ADD COLUMN inbox_id TEXT
        CHECK (inbox_id IS NULL OR open_key IS NULL OR open_key = 'c:' || id);
      -- "The sender's latest conversation in this inbox"; the same activity expression as
      -- the other conversations_*_activity indexes.
      CREATE INDEX conversations_inbox_visitor_activity
        ON conversations (inbox_id, visitor_id, COALESCE(last_message_at, created_at) DESC, id DESC);

      -- EmailMeta as JSON; NULL for messages of other channels.
      ALTER TABLE messages ADD COLUMN email TEXT CHECK (email IS NULL OR json_valid(email));

      CREATE TABLE inboxes (
        id                   TEXT PRIMARY KEY,
        site_id              TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        name                 TEXT NOT NULL,
        -- Lower-cased by the store, so this is one inbox per address whatever its case.
        address              TEXT NOT NULL UNIQUE,
        department_id        TEXT REFERENCES departments (id) ON DELETE SET NULL,
        enabled              INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        settings             TEXT NOT NULL,
        password_sealed      TEXT NOT NULL,
        smtp_password_sealed TEXT,
        -- Written on their own by the mailbox worker (one-column updates), never together
        -- with the settings an admin edits, so neither writer undoes the other.
        status               TEXT NOT NULL,
        watermark            TEXT,
        imported             INTEGER NOT NULL DEFAULT 0,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL
      );
      CREATE INDEX inboxes_created ON inboxes (created_at, id);
      CREATE INDEX inboxes_site_created ON inboxes (site_id, created_at, id);
      CREATE INDEX inboxes_department ON inboxes (department_id);

      -- Emails set aside or quarantined; the raw email is a blob. UNIQUE (inbox_id, key)
      -- makes adding one idempotent, and its index serves deleting an inbox's items.
      CREATE TABLE mail_items (
        id          TEXT PRIMARY KEY,
        inbox_id    TEXT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('set-aside', 'quarantined')),
        reason      TEXT NOT NULL,
        message_id  TEXT,
        -- "from" is an SQL keyword.
        sender      TEXT,
        subject     TEXT,
        size        INTEGER NOT NULL,
        raw_blob_id TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (inbox_id, key)
      );
      CREATE INDEX mail_items_inbox_kind_created ON mail_items (inbox_id, kind, created_at DESC, id DESC);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Brings the schema to LATEST_VERSION; returns the version it started from. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = db.pragma('user_version', { simple: true }) as number;
  // Running old code against a newer schema could silently corrupt it: refuse.
  if (current > latest) {
    throw new Error(`The database schema is version ${current}, newer than this Parley (${latest}). Upgrade Parley.`);
  }
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const m of pending) applyOne(db, m);
  return current;
}

function applyOne(db: Database.Database, m: Migration): void {
  // IMMEDIATE takes the write lock up front, so two processes opening the same fresh file
  // cannot both decide to run version 1; the loser re-checks after the winner commits.
  db.transaction(() => {
    const now = db.pragma('user_version', { simple: true }) as number;
    if (now >= m.version) return;
    db.exec(m.sql);
    db.pragma(`user_version = ${m.version}`);
  }).immediate();
}
