import { useState } from 'preact/hooks';
import { login } from '../api';
import type { AuthView } from '../types';
import { ErrorBox, Field, Notice, inputValue, useAction } from './ui';

export function LoginScreen({ notice, onDone }: { notice: string | null; onDone: (auth: AuthView) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const auth = await run(() => login(email.trim(), password));
    if (auth) onDone(auth);
  };

  return (
    <main class="auth-screen">
      <form class="auth-card" data-testid="login-form" onSubmit={submit} noValidate>
        <h1>Sign in to Parley</h1>
        <Notice text={notice} />
        <Field label="Email">
          <input name="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(inputValue(e))} />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(inputValue(e))} />
        </Field>
        <ErrorBox error={error} testId="login-error" />
        <button type="submit" class="btn primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
