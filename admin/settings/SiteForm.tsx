// One site's settings: name, allowed origins, widget appearance, pre-chat form, and the
// snippet to paste into the website.
import { useState } from 'preact/hooks';
import { deleteSite, updateSite } from '../api';
import { ErrorBox, Field, Notice, checked, inputValue, useAction } from '../components/ui';
import type { Appearance, FieldRule, PrechatSettings, SiteView } from '../types';

interface Props {
  site: SiteView;
  onSaved: (site: SiteView) => void;
  onDeleted: (id: string) => void;
}

const RULES: { value: FieldRule; label: string }[] = [
  { value: 'required', label: 'Required' },
  { value: 'optional', label: 'Optional' },
  { value: 'hidden', label: 'Hidden' },
];

export function SiteForm({ site, onSaved, onDeleted }: Props) {
  const [name, setName] = useState(site.name);
  const [origins, setOrigins] = useState(site.allowedOrigins.join('\n'));
  const [appearance, setAppearance] = useState<Appearance>(site.appearance);
  const [prechat, setPrechat] = useState<PrechatSettings>(site.prechat);
  const [notice, setNotice] = useState<string | null>(null);
  const save = useAction();
  const remove = useAction();
  const look = (patch: Partial<Appearance>) => setAppearance({ ...appearance, ...patch });
  const pre = (patch: Partial<PrechatSettings>) => setPrechat({ ...prechat, ...patch });

  const submit = async (e: Event) => {
    e.preventDefault();
    setNotice(null);
    const updated = await save.run(() => updateSite(site.id, {
      name: name.trim(),
      allowedOrigins: origins.split('\n').map((o) => o.trim()).filter(Boolean),
      appearance,
      prechat,
    }));
    if (updated) {
      onSaved(updated);
      setOrigins(updated.allowedOrigins.join('\n'));
      setNotice('Saved.');
    }
  };

  const destroy = async () => {
    if (!confirm(`Delete the website "${site.name}"? Its widget stops working at once.`)) return;
    const ok = await remove.run(async () => {
      await deleteSite(site.id);
      return true;
    });
    if (ok) onDeleted(site.id);
  };

  return (
    <section class="card" aria-labelledby="site-h" data-testid="site-form">
      <h2 id="site-h">{site.name}</h2>
      <Snippet snippet={site.snippet} />

      <form class="grid-form" onSubmit={submit}>
        <Field label="Website name">
          <input name="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <Field label="Allowed origins" hint="One per line, like https://www.example.com. Leave empty to allow any website.">
          <textarea name="allowedOrigins" rows={4} value={origins} onInput={(e) => setOrigins(inputValue(e))} />
        </Field>

        <fieldset>
          <legend>Appearance</legend>
          <div class="form-cols">
            <Field label="Colour">
              <input type="color" name="color" value={appearance.color} onInput={(e) => look({ color: inputValue(e) })} />
            </Field>
            <Field label="Position">
              <select name="position" value={appearance.position} onChange={(e) => look({ position: inputValue(e) as Appearance['position'] })}>
                <option value="right">Bottom right</option>
                <option value="left">Bottom left</option>
              </select>
            </Field>
          </div>
          <Field label="Title">
            <input name="title" maxLength={60} value={appearance.title} onInput={(e) => look({ title: inputValue(e) })} />
          </Field>
          <Field label="Greeting">
            <textarea name="greeting" rows={2} maxLength={500} value={appearance.greeting} onInput={(e) => look({ greeting: inputValue(e) })} />
          </Field>
          <label class="check">
            <input type="checkbox" name="showAgentAvatars" checked={appearance.showAgentAvatars} onChange={(e) => look({ showAgentAvatars: checked(e) })} />
            Show agent avatars
          </label>
        </fieldset>

        <fieldset>
          <legend>Pre-chat form</legend>
          <label class="check">
            <input type="checkbox" name="prechatEnabled" checked={prechat.enabled} onChange={(e) => pre({ enabled: checked(e) })} />
            Ask visitors for their details before the chat starts
          </label>
          <div class="form-cols">
            <Field label="Name field">
              <select name="prechatName" value={prechat.name} disabled={!prechat.enabled} onChange={(e) => pre({ name: inputValue(e) as FieldRule })}>
                {RULES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
              </select>
            </Field>
            <Field label="Email field">
              <select name="prechatEmail" value={prechat.email} disabled={!prechat.enabled} onChange={(e) => pre({ email: inputValue(e) as FieldRule })}>
                {RULES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
              </select>
            </Field>
          </div>
        </fieldset>

        <ErrorBox error={save.error} />
        <Notice text={notice} />
        <div class="form-actions">
          <button type="submit" class="btn primary" data-testid="site-save" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save website'}</button>
          <button type="button" class="btn danger" disabled={remove.busy} onClick={() => void destroy()}>Delete website</button>
        </div>
        <ErrorBox error={remove.error} />
      </form>
    </section>
  );
}

function Snippet({ snippet }: { snippet: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async (e: Event) => {
    const field = (e.currentTarget as HTMLElement).parentElement?.querySelector('textarea');
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard API (plain http): select the text so Ctrl+C copies it.
      field?.focus();
      field?.select();
      setCopied(document.execCommand('copy') ? 'Copied to the clipboard.' : 'Press Ctrl+C (⌘C) to copy the selected snippet.');
    }
  };
  return (
    <div class="snippet">
      <label class="field">
        <span class="field-label">Paste this before {'</body>'} on every page of the website</span>
        <textarea data-testid="site-snippet" readOnly rows={2} value={snippet} onFocus={(e) => (e.currentTarget as HTMLTextAreaElement).select()} />
      </label>
      <button type="button" class="btn" data-testid="site-snippet-copy" onClick={(e) => void copy(e)}>Copy</button>
      <Notice text={copied} />
    </div>
  );
}
