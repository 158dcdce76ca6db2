import { useState } from 'preact/hooks';
import { postSetup } from '../api';
import type { AuthView } from '../types';
import { ErrorBox, Field, inputValue, useAction } from './ui';

const MIN_PASSWORD = 10;

export function SetupScreen({ onDone, onSignIn }: { onDone: (auth: AuthView) => void; onSignIn: () => void }) {
  const [form, setForm] = useState({ name: '', email: '', password: '', confirm: '', siteName: '' });
  const { busy, error, setError, run } = useAction();
  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: inputValue(e) });

  const submit = async (e: Event) => {
    e.preventDefault();
    if (form.password.length < MIN_PASSWORD) {
      setError({ code: 'VALIDATION_FAILED', message: `The password needs at least ${MIN_PASSWORD} characters.` });
      return;
    }
    if (form.password !== form.confirm) {
      setError({ code: 'VALIDATION_FAILED', message: 'The two passwords differ. Type the same password twice.' });
      return;
    }
    const siteName = form.siteName.trim();
    const auth = await run(() =>
      postSetup({ name: form.name.trim(), email: form.email.trim(), password: form.password, ...(siteName ? { siteName } : {}) }),
    );
    if (auth) onDone(auth);
  };

  return (
    <main class="auth-screen">
      <form class="auth-card" data-testid="setup-form" onSubmit={submit} noValidate>
        <h1>Welcome to Parley</h1>
        <p class="muted">Create the first administrator account and your first website.</p>
        <Field label="Your name">
          <input name="name" required maxLength={100} autocomplete="name" value={form.name} onInput={set('name')} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" required autocomplete="username" value={form.email} onInput={set('email')} />
        </Field>
        <Field label="Password" hint={`At least ${MIN_PASSWORD} characters.`}>
          <input name="password" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password" value={form.password} onInput={set('password')} />
        </Field>
        <Field label="Confirm password">
          <input name="confirm" type="password" required autocomplete="new-password" value={form.confirm} onInput={set('confirm')} />
        </Field>
        <Field label="Website name" hint="Optional. You can add more websites later.">
          <input name="siteName" maxLength={100} placeholder="My website" value={form.siteName} onInput={set('siteName')} />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" class="btn primary" disabled={busy}>{busy ? 'Setting up…' : 'Create account'}</button>
        {error?.code === 'SETUP_DONE' ? (
          <button type="button" class="btn link" onClick={onSignIn}>Go to sign in</button>
        ) : null}
      </form>
    </main>
  );
}
