// Every fixed SQL statement the SQLite store runs, prepared once at open: preparing is
// the expensive part of a query, and appendMessage sits on the relay benchmark's hot path.
import type Database from 'better-sqlite3';

/** The inbox sort key; must match the expression of the conversations_*_activity indexes. */
export const ACTIVITY = 'COALESCE(last_message_at, created_at)';

export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    settingGet: p('SELECT value FROM settings WHERE key = ?'),
    settingPut: p('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),

    siteInsert: p(`INSERT INTO sites (id, name, widget_key, allowed_origins, appearance, prechat, created_at)
      VALUES (@id, @name, @widget_key, @allowed_origins, @appearance, @prechat, @created_at)`),
    siteById: p('SELECT * FROM sites WHERE id = ?'),
    siteByKey: p('SELECT * FROM sites WHERE widget_key = ?'),
    siteAll: p('SELECT * FROM sites ORDER BY created_at, id'),
    siteUpdate: p(`UPDATE sites SET name = @name, allowed_origins = @allowed_origins, appearance = @appearance,
      prechat = @prechat WHERE id = @id`),
    siteDelete: p('DELETE FROM sites WHERE id = ?'),

    depInsert: p('INSERT INTO departments (id, name, created_at) VALUES (?, ?, ?)'),
    depById: p('SELECT * FROM departments WHERE id = ?'),
    depAll: p('SELECT * FROM departments ORDER BY created_at, id'),
    depRename: p('UPDATE departments SET name = ? WHERE id = ?'),
    depDelete: p('DELETE FROM departments WHERE id = ?'),
    // Rewrites only the agents whose JSON array holds the department.
    depRemoveFromAgents: p(`UPDATE agents
      SET departments = (SELECT json_group_array(value) FROM json_each(agents.departments) WHERE value <> @id)
      WHERE EXISTS (SELECT 1 FROM json_each(agents.departments) WHERE value = @id)`),
    depClearConversations: p('UPDATE conversations SET department_id = NULL WHERE department_id = ?'),
    depClearInboxes: p('UPDATE inboxes SET department_id = NULL WHERE department_id = ?'),

    agentInsert: p(`INSERT INTO agents (id, email, name, role, password_hash, departments, avatar_url, status, created_at)
      VALUES (@id, @email, @name, @role, @password_hash, @departments, @avatar_url, @status, @created_at)`),
    agentById: p('SELECT * FROM agents WHERE id = ?'),
    // lower(email) on both sides so the agents_email_lower index serves the lookup.
    agentByEmail: p('SELECT * FROM agents WHERE lower(email) = lower(?)'),
    agentAll: p('SELECT * FROM agents ORDER BY created_at, id'),
    agentCount: p('SELECT COUNT(*) AS n FROM agents'),
    agentUpdate: p(`UPDATE agents SET email = @email, name = @name, role = @role, password_hash = @password_hash,
      departments = @departments, avatar_url = @avatar_url, status = @status WHERE id = @id`),
    agentDelete: p('DELETE FROM agents WHERE id = ?'),
    agentUnassign: p('UPDATE conversations SET assignee_id = NULL WHERE assignee_id = ?'),

    sessionInsert: p(`INSERT INTO sessions (id, agent_id, csrf_token, created_at, expires_at)
      VALUES (@id, @agent_id, @csrf_token, @created_at, @expires_at)`),
    sessionById: p('SELECT * FROM sessions WHERE id = ?'),
    sessionDelete: p('DELETE FROM sessions WHERE id = ?'),
    sessionDeleteOfAgent: p('DELETE FROM sessions WHERE agent_id = ?'),
    sessionDeleteExpired: p('DELETE FROM sessions WHERE expires_at <= ?'),

    visitorInsert: p(`INSERT INTO visitors (id, site_id, name, email, current_page, pages, locale, user_agent, avatar_url, created_at, last_seen_at)
      VALUES (@id, @site_id, @name, @email, @current_page, @pages, @locale, @user_agent, @avatar_url, @created_at, @last_seen_at)`),
    visitorById: p('SELECT * FROM visitors WHERE id = ?'),
    visitorUpdate: p(`UPDATE visitors SET name = @name, email = @email, current_page = @current_page, pages = @pages,
      locale = @locale, user_agent = @user_agent, avatar_url = @avatar_url, last_seen_at = @last_seen_at WHERE id = @id`),

    convInsert: p(`INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, department_id,
        inbox_id, created_at, updated_at)
      VALUES (@id, @site_id, @visitor_id, @status, @open_key, @name, @channel, @department_id, @inbox_id, @now, @now)`),
    // The open_key conflict is the expected race outcome, not an error; the caller then reads
    // the winner. Any other conflict (a reused id) still throws. Never an email conversation
    // (no inbox_id): only conversations without an inbox are keyed by their visitor.
    convInsertOpen: p(`INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, department_id,
        created_at, updated_at)
      VALUES (@id, @site_id, @visitor_id, @status, @open_key, @name, @channel, @department_id, @now, @now)
      ON CONFLICT (open_key) DO NOTHING`),
    convById: p('SELECT * FROM conversations WHERE id = ?'),
    convByOpenKey: p('SELECT * FROM conversations WHERE open_key = ?'),
    convUpdate: p(`UPDATE conversations SET status = @status, open_key = @open_key, name = @name,
      department_id = @department_id, assignee_id = @assignee_id, updated_at = @updated_at WHERE id = @id`),
    // MIN against last_seq: a client cannot claim to have read messages that do not exist yet.
    convReadVisitor: p(`UPDATE conversations SET visitor_read_seq = MAX(visitor_read_seq, MIN(?, last_seq))
      WHERE id = ? RETURNING *`),
    convReadAgent: p(`UPDATE conversations SET agent_read_seq = MAX(agent_read_seq, MIN(?, last_seq))
      WHERE id = ? RETURNING *`),
    convBumpSeq: p(`UPDATE conversations SET last_seq = last_seq + 1, last_message_at = @at,
      last_message_preview = @preview, updated_at = @at WHERE id = @id RETURNING last_seq`),

    msgInsert: p(`INSERT INTO messages (id, conversation_id, seq, author_kind, author_id, text, attachments, client_id,
        channel, email, created_at)
      VALUES (@id, @conversation_id, @seq, @author_kind, @author_id, @text, @attachments, @client_id, @channel, @email,
        @created_at)`),
    msgById: p('SELECT * FROM messages WHERE id = ?'),
    msgSetEmail: p('UPDATE messages SET email = ? WHERE id = ? RETURNING *'),
    msgByClientId: p('SELECT * FROM messages WHERE conversation_id = ? AND client_id = ?'),
    msgAfter: p('SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?'),
    // Newest first to take the right window; the caller reverses to ascending.
    msgBefore: p('SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
    msgLatest: p('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?'),

    attInsert: p(`INSERT INTO attachments (id, message_id, conversation_id, uploader_kind, uploader_id, name, type, size, created_at)
      VALUES (@id, @message_id, @conversation_id, @uploader_kind, @uploader_id, @name, @type, @size, @created_at)`),
    attById: p('SELECT * FROM attachments WHERE id = ?'),
    // message_id IS NULL makes linking happen once: a retried send cannot steal a file
    // that already belongs to another message.
    attLink: p(`UPDATE attachments SET message_id = ?, conversation_id = ?
      WHERE id IN (SELECT value FROM json_each(?)) AND message_id IS NULL`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
