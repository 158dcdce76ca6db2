// Service presets: the Standard connection form fills hosts, ports and security from
// these, so an admin only types an address and a password. Ports are the providers'
// documented ones; `plusAddressing` marks providers known to deliver support+tag@ mail
// to the mailbox (DESIGN.md, threading contract); `authServId` is the id their servers
// write into Authentication-Results, trusted to vouch for agents' replies.
import type { MailPreset, MailServer } from '../../core/types';

export interface Preset {
  id: MailPreset;
  label: string;
  imap: Omit<MailServer, 'username' | 'allowInvalidCert'> | null;
  pop3: Omit<MailServer, 'username' | 'allowInvalidCert'> | null;
  smtp: Omit<MailServer, 'username' | 'allowInvalidCert'> | null;
  plusAddressing: boolean;
  authServId: string | null;
  /** Shown beside the password field. */
  passwordHint: string | null;
}

const tls = (host: string, port: number) => ({ host, port, security: 'tls' as const });
const starttls = (host: string, port: number) => ({ host, port, security: 'starttls' as const });

export const PRESETS: readonly Preset[] = [
  {
    id: 'gmail', label: 'Gmail', imap: tls('imap.gmail.com', 993), pop3: tls('pop.gmail.com', 995), smtp: tls('smtp.gmail.com', 465),
    plusAddressing: true, authServId: 'mx.google.com',
    passwordHint: 'Use an app password (Google Account → Security → 2-Step Verification → App passwords), and enable IMAP in Gmail settings → Forwarding and POP/IMAP.',
  },
  {
    id: 'google-workspace', label: 'Google Workspace', imap: tls('imap.gmail.com', 993), pop3: tls('pop.gmail.com', 995), smtp: tls('smtp.gmail.com', 465),
    plusAddressing: true, authServId: 'mx.google.com',
    passwordHint: 'Use an app password, and make sure your administrator allows IMAP access for the account.',
  },
  {
    id: 'yahoo', label: 'Yahoo Mail', imap: tls('imap.mail.yahoo.com', 993), pop3: tls('pop.mail.yahoo.com', 995), smtp: tls('smtp.mail.yahoo.com', 465),
    plusAddressing: false, authServId: null,
    passwordHint: 'Yahoo requires an app password (Account security → Generate app password).',
  },
  {
    id: 'outlook', label: 'Outlook.com / Hotmail', imap: tls('outlook.office365.com', 993), pop3: tls('outlook.office365.com', 995), smtp: starttls('smtp-mail.outlook.com', 587),
    plusAddressing: true, authServId: null,
    passwordHint: 'Use an app password if two-step verification is on; POP must be enabled in Outlook settings to use POP3.',
  },
  {
    id: 'office365', label: 'Office 365 / Microsoft 365', imap: tls('outlook.office365.com', 993), pop3: tls('outlook.office365.com', 995), smtp: starttls('smtp.office365.com', 587),
    plusAddressing: true, authServId: null,
    passwordHint: 'Your administrator must allow IMAP/POP and SMTP AUTH for this mailbox.',
  },
  {
    id: 'icloud', label: 'iCloud Mail', imap: tls('imap.mail.me.com', 993), pop3: null, smtp: starttls('smtp.mail.me.com', 587),
    plusAddressing: true, authServId: null,
    passwordHint: 'iCloud requires an app-specific password (appleid.apple.com → Sign-In and Security). iCloud has no POP3.',
  },
  {
    id: 'zoho', label: 'Zoho Mail', imap: tls('imap.zoho.com', 993), pop3: tls('pop.zoho.com', 995), smtp: tls('smtp.zoho.com', 465),
    plusAddressing: true, authServId: 'mx.zohomail.com',
    passwordHint: 'Enable IMAP or POP access in Zoho Mail settings; with two-factor authentication use an application-specific password.',
  },
  {
    id: 'yandex', label: 'Yandex Mail', imap: tls('imap.yandex.com', 993), pop3: tls('pop.yandex.com', 995), smtp: tls('smtp.yandex.com', 465),
    plusAddressing: true, authServId: 'mx.yandex.ru',
    passwordHint: 'Enable mail clients access in Yandex Mail settings and use an app password.',
  },
  { id: 'other', label: 'Other', imap: null, pop3: null, smtp: null, plusAddressing: false, authServId: null, passwordHint: null },
];

export function presetOf(id: MailPreset): Preset {
  return PRESETS.find((p) => p.id === id) ?? PRESETS[PRESETS.length - 1]!;
}
