// What the reply stripper recognises in one line (or a few joined lines) of a reply: quote
// headers ("On ... wrote:") in many languages, Outlook "From:/Sent:" header fields, the
// "-----Original Message-----" family, and mobile signatures. Pure data and matchers.
//
// Every matcher here runs on a bounded string: callers never hand over a line longer than
// MAX_LINE, and every regex is anchored at the start or runs on a short tail, so the cost per
// line is bounded and a 2 MiB body stays linear (a 2 MiB single-line body never reaches a regex).

/** Lines longer than this are body text, never a header, separator or signature. */
export const MAX_LINE = 300;
/** A quote header wraps over at most this many lines ("On ..., Name\n<addr>\nwrote:"). */
export const MAX_HEADER_LINES = 4;

export type FieldKind = 'from' | 'sent' | 'date' | 'to' | 'cc' | 'subject';

const FIELD_NAMES: Record<FieldKind, string[]> = {
  from: ['from', 'von', 'de', 'da', 'от', 'от кого', 'fra', 'van', 'od', 'från', '差出人', '发件人', '發件人', '寄件者', '寄件人',
    'lähettäjä', 'feladó', 'kimden', '보낸 사람', 'afzender', 'remetente', 'mittente', 'expéditeur', 'absender', 'отправитель',
    'nadawca', 'odesílatel'],
  sent: ['sent', 'sent at', 'gesendet', 'envoyé', 'envoyé le', 'enviado', 'enviada', 'enviado el', 'enviado em', 'inviato',
    'inviato il', 'отправлено', 'sendt', 'verzonden', 'verstuurd', 'wysłano', 'wysłane', 'skickat', '送信日時', '发送时间',
    '發送時間', '傳送時間', '寄件日期', 'lähetetty', 'elküldve', 'odesláno', 'gönderildi', 'gönderilme', '보낸 날짜'],
  date: ['date', 'datum', 'data', 'fecha', 'дата', 'dato', '日付', '日期', 'päivämäärä', 'dátum', 'tarih', '날짜', 'message du',
    'date d\'envoi'],
  to: ['to', 'an', 'à', 'a', 'para', 'кому', 'til', 'aan', 'do', 'till', '宛先', '收件人', '收件者', 'vastaanottaja', 'címzett',
    'komu', 'kime', '받는 사람', 'destinataire', 'destinatario', 'destinatário'],
  cc: ['cc', 'bcc', 'kopie', 'copie', 'copie à', 'копия', 'kopi', 'kopia', '抄送', '副本', 'kopio', 'másolat', '참조', 'cco'],
  subject: ['subject', 'betreff', 'objet', 'oggetto', 'asunto', 'assunto', 'тема', 'emne', 'onderwerp', 'temat', 'ämne', '件名',
    '主题', '主旨', 'aihe', 'tárgy', 'předmět', 'konu', '제목', 'sujet'],
};

const FIELDS = new Map<string, FieldKind>();
for (const [kind, names] of Object.entries(FIELD_NAMES) as [FieldKind, string[]][]) {
  for (const name of names) FIELDS.set(name, kind);
}

/**
 * The kind of header field a line starts with ("From: x", "*Sent:* y", "Envoyé le :z",
 * "差出人: x"), or null. Gmail renders bold HTML labels as `*From:*` in its text part.
 */
export function fieldKind(line: string): FieldKind | null {
  const head = line.slice(0, 48);
  let colon = head.indexOf(':');
  const wide = head.indexOf('：');
  if (colon < 0 || (wide >= 0 && wide < colon)) colon = wide;
  if (colon <= 0) return null;
  const name = head.slice(0, colon).replace(/[*_\s]+/g, ' ').trim().toLowerCase();
  return FIELDS.get(name) ?? null;
}

const SEPARATOR_PHRASES = new Set([
  'original message', 'original message follows', 'ursprüngliche nachricht', 'original-nachricht', 'messaggio originale',
  "message d'origine", 'message d’origine', 'mensaje original', 'mensagem original', 'исходное сообщение', 'oorspronkelijk bericht',
  'oprindelig besked', 'oprindelig meddelelse', 'opprinnelig melding', 'ursprungligt meddelande', 'alkuperäinen viesti',
  'wiadomość oryginalna', 'oryginalna wiadomość', 'původní zpráva', 'eredeti üzenet', 'orijinal mesaj', '原始邮件', '原始郵件',
  '邮件原件', '元のメッセージ', 'オリジナルメッセージ', '원본 메시지', 'αρχικό μήνυμα', 'reply message', '回复的原邮件',
  'forwarded message', 'weitergeleitete nachricht', 'messaggio inoltrato', 'message transféré', 'mensaje reenviado',
  'mensagem encaminhada', 'пересылаемое сообщение', 'пересланное сообщение', 'doorgestuurd bericht', 'videresendt meddelelse',
  'vidarebefordrat meddelande', 'przekazana wiadomość', '转发的邮件', '転送メッセージ',
  // Apple Mail, which writes them as a sentence ending with a colon.
  'begin forwarded message', 'anfang der weitergeleiteten nachricht', 'inizio messaggio inoltrato',
  'début du message réexpédié', 'comienzo del mensaje reenviado', 'início da mensagem reencaminhada',
  'начало переадресованного сообщения', '転送されたメッセージ', 'begin doorgestuurd bericht',
]);

/** "-----Original Message-----", "-------- Messaggio originale --------", "Begin forwarded message:". */
export function isSeparatorPhrase(line: string): boolean {
  const t = line.trim();
  if (t.length > 80) return false;
  // Drawn with dashes (or underscores, equals signs) or ended with a colon: "Original message"
  // alone on a line may be the writer's own words.
  if (!/^[-_=*~—–]{2}|[-_=*~—–]{2}$|[:：]$/.test(t)) return false;
  const core = t.replace(/^[\s\-_=*~—–]+|[\s\-_=*~—–:：]+$/g, '').replace(/\s+/g, ' ').toLowerCase();
  return SEPARATOR_PHRASES.has(core);
}

/** A line drawn with dashes or underscores ("________________________________", "-----", an <hr>). */
export function isRule(line: string): boolean {
  const t = line.trim();
  return t.length >= 4 && t.length <= MAX_LINE && /^[-_=*~—–]+$/.test(t.replace(/\s+/g, ''));
}

const MOBILE_PREFIX = new RegExp(
  '^(?:sent (?:from|via|with|using|on)\\b|get outlook for\\b|envoy[ée] (?:de|depuis|à partir de|a partir de|avec|du|via)\\b|' +
  'enviad[oa] (?:desde|do|da|de|con|com|via)\\b|inviato (?:da|dal|dalla|con|tramite)\\b|gesendet (?:von|mit|vom|über)\\b|' +
  'von meinem\\b|von yahoo\\b|verzonden (?:vanaf|met|van|via)\\b|verstuurd (?:vanaf|met|van|via)\\b|' +
  'отправлено (?:с|из|со|через)(?:\\s|$)|skickat från\\b|sendt fra\\b|wysłane z\\b|wysłano z\\b|lähetetty\\b|odesláno z\\b|' +
  'holen sie sich outlook|obtenir outlook|scarica outlook|obtener outlook|baixe o outlook|descargar outlook)',
  'iu',
);
const MOBILE_CJK = /^(?:(?:iPhone|iPad|Android|Galaxy|Xperia|AQUOS)\S*から送信|(?:发自|發自|来自|從|从)我的|(?:发自|發自)\s*(?:iPhone|iPad|Android))/u;
const DEVICE = /iphone|ipad|ipod|android|blackberry|galaxy|samsung|huawei|xiaomi|pixel|nokia|motorola|lumia|xperia|oneplus|htc|wiko|mobile|phone|tablet|outlook|yahoo|mail|aol|typeapp|bluemail|spark|proton|windows|device|handy|appareil|dispositivo|telefon|teléfono|móvil|movil|cellulare|portable|мобильн|телефон|почт|ios\b|app\b/iu;

/**
 * "Sent from my iPhone", "Von meinem iPhone gesendet", "Get Outlook for Android<https://aka.ms/...>".
 * Only a short line naming a device or mail app counts, and the device must come before any
 * comma: "Sent from my desk, is much easier than my mobile phone." is a sentence, not a signature.
 */
export function isMobileSignature(line: string): boolean {
  let t = line.trim();
  if (t.length < 8 || t.length > 160) return false;
  t = t.replace(/\s*(?:<[^<>]*>|\[[^[\]]*\]|\([^()]*(?:https?:|aka\.ms)[^()]*\))\s*$/u, '').replace(/[.!]$/, '');
  if (t.length > 100) return false;
  if (MOBILE_CJK.test(t)) return true;
  if (!MOBILE_PREFIX.test(t)) return false;
  const head = t.split(',')[0]!;
  return DEVICE.test(head);
}

// A line can only end a quote header if its tail looks like one: a colon, or a "wrote" verb
// (some clients drop the colon, Zoho wraps it in dashes: "---- On ... wrote ----").
const WORD_VERBS = 'wrote|writes|a\\s+écrit|escribió|escreveu|ha\\s+scritto|scrisse|schrieb|schreef|geschreven|' +
  'napisał(?:\\(a\\)|a)?|написал(?:\\(а\\)|а)?|пишет|написав|kirjoitti|skrev|írta|napsal(?:\\(a\\)|a)?|yazdı|έγραψε';
const CJK_VERBS = 'のメッセージ|は書きました|写道|寫道|작성';
const TERMINAL = new RegExp(`(?:[:：]|${WORD_VERBS}|${CJK_VERBS})[\\s\\-–—]*$`, 'iu');

export function mayEndHeader(line: string): boolean {
  return TERMINAL.test(line.slice(-48));
}

const VERB_END = new RegExp(`(?:(?:^|[\\s>)"'”»,.])(?:${WORD_VERBS})|${CJK_VERBS})\\s*[:：]?$`, 'iu');
const ADDRESS_COLON = /@[^\s@<>()[\]]+\s*[>)\]]?\s*[:：]$/u;
const MID_VERB_COLON = /\s(?:schrieb|schreef|skrev|wrote|escribió|написал\S*)\s.{1,300}[:：]$/iu;
const DIGIT = /\d/;
const TIME = /\d{1,2}\s?[:.h]\s?\d{2}/;
const DATEISH = /\d{1,2}\s?[:.h]\s?\d{2}|(?:^|\D)(?:19|20)\d{2}(?:\D|$)|\d\s?[年月]/u;

// Headers introduced by a word in the writer's language: "On", "Le", "Am", "Il giorno", ...
const LANG_HEADERS: RegExp[] = [
  /^On\s.{2,400}?\s(?:wrote|writes|sent)\s*:?$/is,
  /^Le\s.{2,400}?\sa\s+écrit\s*:?$/is,
  /^Am\s.{2,400}?\sschrieb(?:\s.{0,300})?[:：]?$/is,
  /^(?:Il|In data)\s.{2,400}?\s(?:ha\s+scritto|scrisse)\s*:?$/is,
  /^El\s.{2,400}?\sescribió\s*:?$/is,
  /^(?:Em|No dia|A)\s.{2,400}?\sescreveu\s*:?$/is,
  /^Op\s.{2,400}?\s(?:schreef|geschreven)(?:\s.{0,300})?:?$/is,
  /^(?:W dniu|Dnia)\s.{2,400}?\snapisał(?:\(a\)|a)?\s*:?$/is,
  /^Den\s.{2,400}?\sskrev(?:\s.{0,300})?:$/is,
];

const LANG_START = /^(?:On|Le|Am|Il|In data|El|Em|No dia|A|Op|W dniu|Dnia|Den)\s/i;

/** A header candidate (joined lines) with its whitespace collapsed and Zoho's "----" wrapping removed. */
export function headerCandidate(joined: string): string {
  return joined.replace(/\s+/g, ' ').replace(/^[\s\-–—]+|[\s\-–—]+$/g, '');
}

/** A quote header introduced by a known word ("On <date>, X wrote:"): needs some digit. */
export function isLanguageHeader(s: string): boolean {
  if (s.length > 600 || !LANG_START.test(s) || !DIGIT.test(s)) return false;
  return LANG_HEADERS.some((re) => re.test(s));
}

/**
 * A quote header without a known opening word: "30.09.2017, 18:30, "X" <x@y>:",
 * "ср, 30 апр. 2025 г. в 15:19, X <x@y>:", "X <x@y> 于2024年1月1日 10:00写道：". It must carry a date
 * or time, so "Here is what he wrote:" stays.
 */
export function isGenericHeader(s: string): boolean {
  if (s.length > 600 || !DATEISH.test(s)) return false;
  if (VERB_END.test(s)) return TIME.test(s) || s.includes('@');
  if (ADDRESS_COLON.test(s)) return true;
  return MID_VERB_COLON.test(s) && TIME.test(s);
}

/**
 * A line just above a quoted block that introduces it, in any language: it ends with a colon or
 * a "wrote" verb and names a date or an address ("Something wrote:" over "> ..." lines).
 */
export function introducesQuote(line: string): boolean {
  const s = headerCandidate(line);
  if (s.length > 400 || !mayEndHeader(s)) return false;
  return DIGIT.test(s) || s.includes('@') || VERB_END.test(s);
}
