// The pre-chat form (who is the visitor) and the "leave a message" form (nobody online).
// Both use the browser's own validation: required fields and type=email.
import { useState } from 'preact/hooks';
import type { PrechatSettings } from '../../server/transport/views';
import type { Chat, ChatState } from '../chat';
import type { Dict } from '../i18n';

type FieldRule = PrechatSettings['name'];

function Field({ name, label, rule, value, t }: { name: 'name' | 'email'; label: string; rule: FieldRule; value: string | null; t: Dict }) {
  if (rule === 'hidden') return null;
  return (
    <label>
      <span>{label} {rule === 'optional' && <small>{t.optional}</small>}</span>
      <input
        name={name}
        type={name === 'email' ? 'email' : 'text'}
        autoComplete={name}
        required={rule === 'required'}
        maxLength={name === 'email' ? 254 : 100}
        defaultValue={value ?? ''}
      />
    </label>
  );
}

const field = (form: HTMLFormElement, name: string): string => String(new FormData(form).get(name) ?? '').trim();

export function Prechat({ chat, t, rules, visitor }: { chat: Chat; t: Dict; rules: PrechatSettings; visitor: ChatState['visitor'] }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="pw-form"
      data-testid="parley-prechat"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const patch: { name?: string; email?: string } = {};
        const name = field(form, 'name');
        const email = field(form, 'email');
        if (name) patch.name = name;
        if (email) patch.email = email;
        setBusy(true);
        const problem = await chat.submitPrechat(patch);
        setBusy(false);
        if (problem) setError(problem.details?.[0]?.message || problem.message || t.noConnection);
      }}
    >
      <p>{t.prechatIntro}</p>
      <Field name="name" label={t.name} rule={rules.name} value={visitor.name} t={t} />
      <Field name="email" label={t.email} rule={rules.email} value={visitor.email} t={t} />
      {error && <p class="pw-err" role="alert">{error}</p>}
      <button type="submit" class="pw-btn" data-testid="parley-prechat-submit" disabled={busy}>{t.start}</button>
    </form>
  );
}

export function OfflineForm({ chat, t, visitor, hasChat }: { chat: Chat; t: Dict; visitor: ChatState['visitor']; hasChat: boolean }) {
  return (
    <form
      class="pw-form"
      data-testid="parley-offline-form"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        chat.sendOffline(field(form, 'name'), field(form, 'email'), field(form, 'message'));
      }}
    >
      {!hasChat && <p>{t.offlineIntro}</p>}
      {hasChat && <p>{t.offline}</p>}
      <Field name="name" label={t.name} rule="optional" value={visitor.name} t={t} />
      <Field name="email" label={t.email} rule="required" value={visitor.email} t={t} />
      <label>
        <span>{t.message}</span>
        <textarea name="message" required maxLength={10000} />
      </label>
      <button type="submit" class="pw-btn" data-testid="parley-offline-submit">{t.leave}</button>
    </form>
  );
}
