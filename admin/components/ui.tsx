// Shared bits of UI: error display, labelled fields, async action state.
import type { ComponentChildren } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { errorOf } from '../api';
import type { ErrorBody } from '../types';

export function ErrorBox({ error, testId }: { error: ErrorBody | null; testId?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid={testId}>
      <p>{error.message}</p>
      {error.details?.length ? (
        <ul>
          {error.details.map((d, i) => (
            <li key={i}>{d.path ? `${d.path}: ${d.message}` : d.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="field-hint">{hint}</span> : null}
    </label>
  );
}

export function Notice({ text }: { text: string | null }) {
  return text ? <p class="notice" role="status">{text}</p> : null;
}

/** Runs async actions one at a time, remembering whether one runs and the last error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const running = useRef(false);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(errorOf(err));
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export const inputValue = (e: Event): string => (e.currentTarget as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;
export const checked = (e: Event): boolean => (e.currentTarget as HTMLInputElement).checked;

export function PresenceDot({ status, label }: { status: 'online' | 'away' | 'offline'; label?: string }) {
  return <span class={`presence presence-${status}`} role="img" aria-label={label ?? status} title={label ?? status} />;
}
