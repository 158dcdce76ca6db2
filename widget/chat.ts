// The widget's chat, apart from rendering: identity, the socket, history catch-up and an
// outbox that survives reloads. A message stays in the outbox (shown as pending) until
// the server acknowledges it; every resend reuses its clientId and the server stores it
// once, so a flaky connection neither loses nor duplicates anything.
import { io, type Socket } from 'socket.io-client';
import type { SendAck, SendPayload, VisitorClientEvents, VisitorServerEvents } from '../server/transport/realtime/events';
import type {
  AgentPublicView, AttachmentView, ErrorBody, MessageView, VisitorConversationView, WidgetConfig,
} from '../server/transport/views';
import { ApiError, fetchConfig, openSession, uploadFile } from './api';
import { countUnread, sortMessages, topSeq, unsent, type Pending, type SeenMark } from './policy';
import { storageKey } from './shared';
import { beep } from './sound';
import { load, loadJson, save, sleep, uuid } from './util';

type VisitorSocket = Socket<VisitorServerEvents, VisitorClientEvents>;

const ACK_MS = 10_000;
const HISTORY_PAGE = 200; // the server's limit per `history` answer
/** Failures worth retrying as they are; anything else marks the message as not sent. */
const TRANSIENT = ['RATE_LIMITED', 'INTERNAL'];

export interface ChatState {
  status: 'starting' | 'ready' | 'failed';
  /** Why the chat cannot work at all (unknown site, origin not allowed). */
  fatal: string | null;
  config: WidgetConfig | null;
  visitor: { name: string | null; email: string | null };
  connected: boolean;
  /** The history is known (fetched once, or the visitor is new). */
  synced: boolean;
  agentsOnline: boolean;
  agents: AgentPublicView[];
  /** Stored messages in display order. */
  messages: MessageView[];
  /** Outbox entries whose stored message has not arrived yet. */
  pending: Pending[];
  /** The agents' read mark per conversation. */
  readBy: Record<string, number>;
  /** The current conversation's status. */
  closed: boolean;
  /** An agent is typing: their name, '' when unknown; null when nobody is. */
  typing: string | null;
  unread: number;
  open: boolean;
  sound: boolean;
  prechatDone: boolean;
  /** The "leave a message" form was sent: its email, for the confirmation. */
  offlineSentTo: string | null;
}

export class Chat {
  s: ChatState;
  private listeners = new Set<(s: ChatState) => void>();
  private socket: VisitorSocket | null = null;
  private token: string | null;
  private msgs = new Map<string, MessageView>();
  /** Conversation ids in the order met; the last one is the current conversation. */
  private convs: string[] = [];
  private outbox: Pending[];
  private seen: SeenMark | null;
  private readSent: Record<string, number> = {};
  /** Bumped on every connect and disconnect: async work of an older connection stops. */
  private gen = 0;
  private flushing = -1;
  private renewals = 0;
  private typingOn = false;
  private typingAt = 0;
  private typingStop?: ReturnType<typeof setTimeout>;
  private agentTypingTimer?: ReturnType<typeof setTimeout>;
  private page = '';

  constructor(readonly key: string, readonly base: string, config: WidgetConfig | null) {
    this.token = load(storageKey(key, 'token'));
    this.outbox = loadJson<Pending[]>(storageKey(key, 'outbox'), []);
    this.seen = loadJson<SeenMark | null>(storageKey(key, 'seen'), null);
    this.s = {
      status: 'starting', fatal: null, config, visitor: { name: null, email: null }, connected: false, synced: false,
      agentsOnline: config?.agentsOnline ?? true, agents: config?.agents ?? [], messages: [], pending: this.outbox,
      readBy: {}, closed: false, typing: null, unread: 0, open: false, sound: load(storageKey(key, 'sound')) !== '0',
      prechatDone: load(storageKey(key, 'prechat')) === '1', offlineSentTo: null,
    };
  }

  subscribe(fn: (s: ChatState) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private set(patch: Partial<ChatState>): void {
    this.s = { ...this.s, ...patch };
    this.listeners.forEach((fn) => fn(this.s));
  }

  /** Recomputes what derives from messages, outbox and the seen mark. */
  private refresh(): void {
    const messages = sortMessages(this.msgs.values(), this.convs);
    this.set({ messages, pending: unsent(this.outbox, messages), unread: countUnread(messages, this.convs, this.seen) });
  }

  private get current(): string | undefined {
    return this.convs[this.convs.length - 1];
  }

  // ---- start-up --------------------------------------------------------------------

  /** Config, then the visitor's identity, then the socket; network failures retry with backoff. */
  async start(): Promise<void> {
    document.addEventListener('visibilitychange', () => this.markRead());
    setInterval(() => this.trackPage(false), 2000); // single-page apps change location.href without a reload
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
      try {
        const config = this.s.config ?? (await fetchConfig(this.base, this.key));
        this.set({ config, agentsOnline: config.agentsOnline, agents: config.agents });
        const session = await openSession(this.base, this.key, this.token);
        const returning = session.token === this.token;
        this.adopt(session.token);
        this.set({ status: 'ready', visitor: session.visitor, synced: !returning });
        this.connect();
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
          this.set({ status: 'failed', fatal: err.message });
          return;
        }
        await sleep(delay);
      }
    }
  }

  private adopt(token: string): void {
    this.token = token;
    save(storageKey(this.key, 'token'), token);
  }

  private connect(): void {
    const url = new URL(this.base);
    const prefix = url.pathname.replace(/\/$/, '');
    const socket: VisitorSocket = io(url.origin + '/visitor', {
      // A function, so reconnects use the current token (it changes after a renewal).
      auth: (cb) => cb({ token: this.token }),
      transports: ['websocket', 'polling'],
      // Fall back to long-polling where a proxy or firewall blocks WebSocket.
      tryAllTransports: true,
      // socket.io shares one socket per namespace and host by default: two widgets of the
      // same Parley host on one page would share a visitor.
      forceNew: true,
      ...(prefix ? { path: prefix + '/socket.io' } : {}),
    });
    this.socket = socket;
    socket.on('connect', () => this.onConnect(socket));
    socket.on('disconnect', (reason) => {
      this.gen++;
      clearTimeout(this.agentTypingTimer);
      this.set({ connected: false, typing: null });
      // The server hung up on purpose: socket.io does not retry that by itself.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2000 + Math.random() * 3000);
    });
    socket.on('connect_error', (err) => void this.onConnectError(socket, err as Error & { data?: ErrorBody }));
    socket.on('message', (m) => this.upsert([m], true));
    socket.on('typing', ({ typing, agentName }) => {
      clearTimeout(this.agentTypingTimer);
      this.set({ typing: typing ? (agentName ?? '') : null });
      // A lost "stopped typing" must not leave the indicator up forever.
      if (typing) this.agentTypingTimer = setTimeout(() => this.set({ typing: null }), 8000);
    });
    socket.on('read', ({ conversationId, seq }) => this.noteRead(conversationId, seq));
    socket.on('conversation', (c) => this.noteConversation(c));
    socket.on('agents', ({ agentsOnline, agents }) => this.set({ agentsOnline, agents }));
  }

  private async onConnectError(socket: VisitorSocket, err: Error & { data?: ErrorBody }): Promise<void> {
    const code = err.data?.code;
    if (code === 'ORIGIN_NOT_ALLOWED') return this.set({ fatal: err.message });
    if (socket.active) return; // a transport failure: socket.io retries with backoff
    // The server refused the handshake (middleware): it will not retry by itself.
    if (code === 'INVALID_VISITOR_TOKEN' && this.renewals++ < 3) {
      try {
        // A new visitor: what the widget held belonged to the old one.
        const session = await openSession(this.base, this.key, null);
        this.adopt(session.token);
        this.msgs.clear();
        this.convs = [];
        this.refresh();
        this.set({ visitor: session.visitor, synced: true, prechatDone: false });
      } catch {
        /* retried below */
      }
    }
    setTimeout(() => socket.connect(), 2000 + Math.random() * 3000);
  }

  private onConnect(socket: VisitorSocket): void {
    const gen = ++this.gen;
    this.renewals = 0;
    this.set({ connected: true });
    this.trackPage(true);
    void this.sync(socket, gen).then(() => {
      if (gen !== this.gen) return;
      this.markRead();
      void this.flush(socket, gen);
    });
  }

  // ---- history ---------------------------------------------------------------------

  /** Asks for everything after the highest seq held; all of it when the conversation changed. */
  private async sync(socket: VisitorSocket, gen: number): Promise<void> {
    const ask = (afterSeq: number) => socket.timeout(ACK_MS).emitWithAck('history', afterSeq ? { afterSeq } : {});
    for (let attempt = 0; attempt < 5 && gen === this.gen; attempt++) {
      try {
        const held = this.current;
        let after = held ? topSeq(this.s.messages, held) : 0;
        let res = await ask(after);
        if (res.ok && res.conversation && res.conversation.id !== held && after) res = await ask((after = 0));
        for (;;) {
          if (gen !== this.gen) return;
          if (!res.ok) throw new Error(res.error.message);
          if (res.conversation) this.noteConversation(res.conversation);
          this.upsert(res.messages, false);
          if (!after || !res.conversation || res.messages.length < HISTORY_PAGE) break;
          res = await ask((after = topSeq(this.s.messages, res.conversation.id)));
        }
        this.set({ synced: true });
        return;
      } catch {
        await sleep(2000);
      }
    }
  }

  /** Merges stored messages by id; a stored message retires its outbox entry. */
  private upsert(list: MessageView[], live: boolean): void {
    let incoming = false;
    let outboxChanged = false;
    for (const m of list) {
      const known = this.msgs.has(m.id);
      this.msgs.set(m.id, m);
      if (this.convs.indexOf(m.conversationId) < 0) this.convs.push(m.conversationId);
      if (m.clientId && this.outbox.some((p) => p.clientId === m.clientId)) {
        this.outbox = this.outbox.filter((p) => p.clientId !== m.clientId);
        outboxChanged = true;
      }
      if (live && !known && m.author.kind === 'agent') incoming = true;
    }
    if (outboxChanged) this.saveOutbox();
    if (incoming) {
      clearTimeout(this.agentTypingTimer);
      this.set({ typing: null });
      if (this.s.sound) beep();
    }
    this.refresh();
    this.markRead();
  }

  private noteConversation(c: VisitorConversationView): void {
    if (this.convs.indexOf(c.id) < 0) this.convs.push(c.id);
    this.noteRead(c.id, c.agentReadSeq);
    if (c.id === this.current) this.set({ closed: c.status === 'closed' });
  }

  private noteRead(conversationId: string, seq: number): void {
    if ((this.s.readBy[conversationId] ?? 0) < seq) this.set({ readBy: { ...this.s.readBy, [conversationId]: seq } });
  }

  // ---- sending ---------------------------------------------------------------------

  send(text: string, attachments: AttachmentView[] = []): void {
    this.stopTyping();
    this.enqueue({ clientId: uuid(), text: text.trim(), attachments, createdAt: Date.now() });
  }

  /** The "leave a message" form: stores name and email on the visitor, then sends the text. */
  sendOffline(name: string, email: string, text: string): void {
    this.enqueue({ clientId: uuid(), text: text.trim(), attachments: [], createdAt: Date.now(), offline: name ? { name, email } : { email } });
    this.set({ visitor: { name: name || this.s.visitor.name, email }, offlineSentTo: email });
  }

  retry(clientId: string): void {
    this.outbox = this.outbox.map((p) => (p.clientId === clientId ? { ...p, error: undefined } : p));
    this.saveOutbox();
    this.refresh();
    this.kick();
  }

  discard(clientId: string): void {
    this.outbox = this.outbox.filter((p) => p.clientId !== clientId);
    this.saveOutbox();
    this.refresh();
  }

  private enqueue(p: Pending): void {
    this.outbox = [...this.outbox, p];
    this.saveOutbox();
    this.refresh();
    this.kick();
  }

  private saveOutbox(): void {
    save(storageKey(this.key, 'outbox'), this.outbox.length ? JSON.stringify(this.outbox) : null);
  }

  private kick(): void {
    if (this.socket?.connected) void this.flush(this.socket, this.gen);
  }

  /**
   * Sends the outbox in order, one message at a time, until it is empty or the connection
   * goes. Without an ack in time the same clientId is sent again: the server answers a
   * repeat as a duplicate of what it stored.
   */
  private async flush(socket: VisitorSocket, gen: number): Promise<void> {
    if (this.flushing === gen) return; // the running loop picks up new entries
    this.flushing = gen;
    try {
      while (gen === this.gen && socket.connected) {
        const p = this.outbox.find((x) => !x.error);
        if (!p) break;
        const payload: SendPayload = { clientId: p.clientId, text: p.text };
        if (p.attachments.length) payload.attachmentIds = p.attachments.map((a) => a.id);
        let res: SendAck;
        try {
          const timed = socket.timeout(ACK_MS);
          res = await (p.offline ? timed.emitWithAck('offline:message', { ...payload, ...p.offline }) : timed.emitWithAck('message:send', payload));
        } catch {
          await sleep(1000);
          continue;
        }
        if (res.ok) {
          this.outbox = this.outbox.filter((x) => x.clientId !== p.clientId);
          this.saveOutbox();
          this.upsert([res.message], false);
        } else if (TRANSIENT.indexOf(res.error.code) >= 0) {
          await sleep(3000);
        } else {
          this.outbox = this.outbox.map((x) => (x.clientId === p.clientId ? { ...x, error: res.error.message } : x));
          this.saveOutbox();
          this.refresh();
        }
      }
    } finally {
      if (this.flushing === gen) this.flushing = -1;
    }
  }

  upload(file: File): Promise<AttachmentView> {
    return uploadFile(this.base, this.token ?? '', file);
  }

  /** The pre-chat form. Resolves with the server's complaint, or null when stored. */
  async submitPrechat(patch: { name?: string; email?: string }): Promise<ErrorBody | null> {
    try {
      if (patch.name || patch.email) {
        const socket = await this.connected(ACK_MS);
        const res = await socket.timeout(ACK_MS).emitWithAck('visitor:update', patch);
        if (!res.ok) return res.error;
      }
    } catch {
      return { code: 'INTERNAL', message: '' };
    }
    save(storageKey(this.key, 'prechat'), '1');
    this.set({ prechatDone: true, visitor: { name: patch.name ?? this.s.visitor.name, email: patch.email ?? this.s.visitor.email } });
    return null;
  }

  private connected(ms: number): Promise<VisitorSocket> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('not started'));
    if (socket.connected) return Promise.resolve(socket);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve(socket);
      };
      const timer = setTimeout(() => {
        socket.off('connect', done);
        reject(new Error('timeout'));
      }, ms);
      socket.once('connect', done);
    });
  }

  // ---- presence: typing, reading, pages ---------------------------------------------

  /** The composer's text changed: "typing" at most every 2.5 s, "stopped" 3 s after the last key. */
  typing(text: string): void {
    clearTimeout(this.typingStop);
    if (!text.trim()) return this.stopTyping();
    if (!this.typingOn || Date.now() - this.typingAt > 2500) this.emitTyping(true);
    this.typingStop = setTimeout(() => this.stopTyping(), 3000);
  }

  private stopTyping(): void {
    clearTimeout(this.typingStop);
    if (this.typingOn) this.emitTyping(false);
  }

  private emitTyping(typing: boolean): void {
    this.typingOn = typing;
    this.typingAt = Date.now();
    if (this.socket?.connected) this.socket.emit('typing', { typing });
  }

  setOpen(open: boolean): void {
    this.set({ open });
    this.markRead();
  }

  toggleSound(): void {
    save(storageKey(this.key, 'sound'), this.s.sound ? '0' : '1');
    this.set({ sound: !this.s.sound });
  }

  /** While the panel is open and the tab visible, everything held is read. */
  private markRead(): void {
    const conv = this.current;
    if (!this.s.open || document.visibilityState === 'hidden' || !conv) return;
    const top = topSeq(this.s.messages, conv);
    if (!top) return;
    if (!this.seen || this.seen.c !== conv || this.seen.s < top) {
      this.seen = { c: conv, s: top };
      save(storageKey(this.key, 'seen'), JSON.stringify(this.seen));
      this.refresh();
    }
    if (this.socket?.connected && (this.readSent[conv] ?? 0) < top) {
      this.readSent[conv] = top;
      this.socket.emit('read', { seq: top });
    }
  }

  /** Tells the agents where the visitor is: on connect, and when the URL changes. */
  private trackPage(force: boolean): void {
    const href = location.href;
    if (!force && href === this.page) return;
    this.page = href;
    if (!this.socket?.connected) return;
    const patch: { page?: string; locale?: string } = { locale: navigator.language.slice(0, 35) };
    if (/^https?:/.test(href) && href.length <= 2000) patch.page = href;
    this.socket.emit('visitor:update', patch, () => undefined);
  }
}
