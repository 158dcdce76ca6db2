// Shared bits of UI: error display, labelled fields, async action state.
import type { ComponentChildren } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { errorOf } from '../api';
import type { ErrorBody } from '../types';

/** `labels` names the fields of `details` for people (path → label); unnamed paths show as they are. */
export function ErrorBox({ error, testId, labels }: { error: ErrorBody | null; testId?: string; labels?: Record<string, string> }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid={testId}>
      <p>{error.message}</p>
      {error.details?.length ? (
        <ul>
          {error.details.map((d, i) => (
            <li key={i}>{d.path ? `${labels?.[d.path] ?? d.path}: ${d.message}` : d.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** `error` is a problem with this field, shown right below it. */
export function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {error ? <span class="field-error">{error}</span> : null}
      {hint ? <span class="field-hint">{hint}</span> : null}
    </label>
  );
}

/**
 * Splits an error's details into those of the given fields (to show next to them) and
 * the rest (the message and any detail no field shows).
 */
export function splitFieldErrors<F extends string>(error: ErrorBody | null, fields: readonly F[]): { byField: Partial<Record<F, string>>; rest: ErrorBody | null } {
  if (!error?.details?.length) return { byField: {}, rest: error };
  const byField: Partial<Record<F, string>> = {};
  const other: NonNullable<ErrorBody['details']> = [];
  for (const d of error.details) {
    const field = fields.find((f) => f === d.path);
    if (field && byField[field] === undefined) byField[field] = d.message;
    else if (field) byField[field] += ` ${d.message}`;
    else other.push(d);
  }
  return { byField, rest: { ...error, details: other } };
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
