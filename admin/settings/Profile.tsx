// The signed-in agent's own profile: name, avatar URL, password.
import { useState } from 'preact/hooks';
import { patchMe } from '../api';
import { ErrorBox, Field, Notice, inputValue, useAction } from '../components/ui';
import { httpUrl } from '../lib/format';
import { useStore } from '../lib/store';
import { upsertAgent } from '../state/directory';
import { me } from '../state/session';

export function Profile() {
  const agent = useStore(me);
  if (!agent) return null;
  return (
    <div class="page">
      <h1 class="page-title">My profile</h1>
      <ProfileForm key={agent.id} />
      <PasswordForm />
    </div>
  );
}

function ProfileForm() {
  const agent = me.get()!;
  const [name, setName] = useState(agent.name);
  const [avatarUrl, setAvatarUrl] = useState(agent.avatarUrl ?? '');
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const avatar = httpUrl(avatarUrl.trim());

  const submit = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    const url = avatarUrl.trim();
    if (url && !avatar) {
      setError({ code: 'VALIDATION_FAILED', message: 'The avatar URL must start with http:// or https://.' });
      return;
    }
    const updated = await run(() => patchMe({ name: name.trim(), avatarUrl: url || null }));
    if (updated) {
      me.set(updated);
      upsertAgent(updated);
      setNotice('Profile saved.');
    }
  };

  return (
    <section class="card" aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <p class="muted">{agent.email} · {agent.role === 'admin' ? 'Administrator' : 'Agent'}</p>
      <form class="grid-form" data-testid="profile-form" onSubmit={submit}>
        <Field label="Name">
          <input name="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <Field label="Avatar URL" hint="An https:// link to a square picture. Leave empty for none.">
          <input name="avatarUrl" type="url" maxLength={2000} value={avatarUrl} onInput={(e) => setAvatarUrl(inputValue(e))} />
        </Field>
        {avatar ? <img class="avatar-preview" src={avatar} alt="Avatar preview" width={48} height={48} referrerpolicy="no-referrer" /> : null}
        <ErrorBox error={error} />
        <Notice text={notice} />
        <div class="form-actions">
          <button type="submit" class="btn primary" disabled={busy}>Save profile</button>
        </div>
      </form>
    </section>
  );
}

function PasswordForm() {
  const [form, setForm] = useState({ current: '', next: '', confirm: '' });
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: inputValue(e) });

  const submit = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    if (form.next.length < 10) return setError({ code: 'VALIDATION_FAILED', message: 'The new password needs at least 10 characters.' });
    if (form.next !== form.confirm) return setError({ code: 'VALIDATION_FAILED', message: 'The two new passwords differ. Type the same password twice.' });
    const updated = await run(() => patchMe({ password: form.next, currentPassword: form.current }));
    if (updated) {
      setForm({ current: '', next: '', confirm: '' });
      setNotice('Password changed. Your other sessions were signed out.');
    }
  };

  return (
    <section class="card" aria-labelledby="password-h">
      <h2 id="password-h">Change password</h2>
      <form class="grid-form" data-testid="password-form" onSubmit={submit} noValidate>
        <Field label="Current password">
          <input name="currentPassword" type="password" autocomplete="current-password" value={form.current} onInput={set('current')} />
        </Field>
        <Field label="New password" hint="At least 10 characters.">
          <input name="password" type="password" autocomplete="new-password" value={form.next} onInput={set('next')} />
        </Field>
        <Field label="Confirm new password">
          <input name="confirm" type="password" autocomplete="new-password" value={form.confirm} onInput={set('confirm')} />
        </Field>
        <ErrorBox error={error} />
        <Notice text={notice} />
        <div class="form-actions">
          <button type="submit" class="btn primary" disabled={busy}>Change password</button>
        </div>
      </form>
    </section>
  );
}
