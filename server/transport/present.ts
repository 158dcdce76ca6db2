// Domain records -> the views browsers get (views.ts). Keeps secrets out and turns
// attachment ids into signed download links.
import type { MessageAuthor } from '../core/events';
import { presenceOf, visitorKey, type Clock, type PresenceRegistry, type Store } from '../core/ports';
import type { Agent, Conversation, Message, Site, Visitor } from '../core/types';
import type { SignedUrls } from '../security/tokens';
import type {
  AgentPublicView, AgentView, AttachmentView, ConversationView, MessageView, SiteView, VisitorConversationView, VisitorView,
} from './views';

export class Presenter {
  constructor(private readonly deps: { store: Store; presence: PresenceRegistry; urls: SignedUrls; clock: Clock; publicUrl: string }) {}

  async agentPublic(agent: Agent): Promise<AgentPublicView> {
    return { id: agent.id, name: agent.name, avatarUrl: agent.avatarUrl, status: await presenceOf(this.deps.presence, agent) };
  }

  async agent(agent: Agent): Promise<AgentView> {
    return {
      ...(await this.agentPublic(agent)),
      email: agent.email,
      role: agent.role,
      departments: agent.departments,
      manualStatus: agent.status,
      createdAt: agent.createdAt,
    };
  }

  site(site: Site): SiteView {
    const snippet = `<script src="${this.deps.publicUrl}/widget.js" data-site="${site.widgetKey}" async></script>`;
    return { ...site, snippet };
  }

  async visitor(visitor: Visitor): Promise<VisitorView> {
    const { siteId: _site, ...rest } = visitor;
    return { ...rest, online: await this.deps.presence.isConnected(visitorKey(visitor.id)) };
  }

  async conversation(conv: Conversation, visitor?: Visitor | null): Promise<ConversationView> {
    const v = visitor ?? (await this.deps.store.getVisitor(conv.visitorId));
    const { visitorId: _v, ...rest } = conv;
    return {
      ...rest,
      visitor: {
        id: conv.visitorId,
        name: v?.name ?? null,
        email: v?.email ?? null,
        online: await this.deps.presence.isConnected(visitorKey(conv.visitorId)),
      },
    };
  }

  visitorConversation(conv: Conversation): VisitorConversationView {
    return { id: conv.id, status: conv.status, lastSeq: conv.lastSeq, agentReadSeq: conv.agentReadSeq };
  }

  message(msg: Message, author: MessageAuthor): MessageView {
    const now = this.deps.clock.now();
    const attachments: AttachmentView[] = msg.attachments.map((a) => ({ ...a, url: this.deps.urls.fileUrl(a.id, now) }));
    return {
      id: msg.id,
      conversationId: msg.conversationId,
      seq: msg.seq,
      author: { kind: msg.authorKind, id: msg.authorId, name: author.name, avatarUrl: author.avatarUrl },
      text: msg.text,
      attachments,
      clientId: msg.clientId,
      channel: msg.channel,
      email: msg.email ? { subject: msg.email.subject, quoted: msg.email.original.trim() !== msg.text.trim() } : null,
      createdAt: msg.createdAt,
    };
  }

  /** Messages of one conversation, with their authors looked up once each. */
  async messages(msgs: Message[], visitor: Visitor | null): Promise<MessageView[]> {
    const agents = new Map<string, Agent | null>();
    for (const m of msgs) {
      if (m.authorKind === 'agent' && m.authorId && !agents.has(m.authorId)) agents.set(m.authorId, await this.deps.store.getAgent(m.authorId));
    }
    return msgs.map((m) => {
      if (m.authorKind === 'visitor') return this.message(m, { name: visitor?.name ?? null, avatarUrl: null });
      const agent = m.authorId ? agents.get(m.authorId) : null;
      return this.message(m, { name: agent?.name ?? null, avatarUrl: agent?.avatarUrl ?? null });
    });
  }
}
