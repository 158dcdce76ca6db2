// Server view and event types, imported as types only: no server code reaches the bundle.
export type {
  AgentView, AgentPublicView, AttachmentView, AuthView, Channel, ConversationStatus, ConversationView,
  DepartmentView, ErrorBody, MessageView, MessengerView, OutboxEmailAbout, OutboxJobView, PresenceStatus, Role, SiteView, VisitorView, Appearance, PrechatSettings, Ack,
  EmailOriginalView, InboxSettings, InboxStatus, InboxView, MailItemKind, MailItemView,
} from '../server/transport/views';
export type { AgentClientEvents, AgentServerEvents, SendAck, SendPayload } from '../server/transport/realtime/events';
export type { FieldRule, HeaderFilter, MailPreset, MailProtocol, MailSecurity } from '../server/core/types';
export type { Preset } from '../server/channels/email/presets';
