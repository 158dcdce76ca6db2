// Websites the widget runs on: a list, a create form, and the selected site's settings.
import { useEffect, useState } from 'preact/hooks';
import { createSite, listSites } from '../api';
import { ErrorBox, Field, inputValue, useAction } from '../components/ui';
import type { SiteView } from '../types';
import { SiteForm } from './SiteForm';

export function Sites() {
  const [sites, setSites] = useState<SiteView[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const load = useAction();
  const create = useAction();

  useEffect(() => {
    void load.run(async () => {
      const list = await listSites();
      setSites(list);
      setSelected((s) => s ?? list[0]?.id ?? null);
    });
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const site = await create.run(() => createSite({ name: name.trim() }));
    if (site) {
      setSites((list) => [...list, site]);
      setSelected(site.id);
      setName('');
    }
  };

  const site = sites.find((s) => s.id === selected) ?? null;
  return (
    <div class="sites">
      <section class="card" aria-labelledby="sites-h">
        <h2 id="sites-h">Websites</h2>
        <ErrorBox error={load.error} />
        <ul class="site-list" data-testid="site-list">
          {sites.map((s) => (
            <li key={s.id}>
              <button type="button" class={s.id === selected ? 'site-pick active' : 'site-pick'} aria-pressed={s.id === selected}
                data-testid="site-item" data-id={s.id} onClick={() => setSelected(s.id)}>
                <span class="swatch" style={{ background: /^#[0-9a-f]{6}$/i.test(s.appearance.color) ? s.appearance.color : undefined }} aria-hidden="true" />
                {s.name}
              </button>
            </li>
          ))}
        </ul>
        <form class="inline-form" data-testid="site-create-form" onSubmit={submit}>
          <Field label="New website">
            <input name="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
          </Field>
          <button type="submit" class="btn primary" disabled={create.busy || !name.trim()}>Add website</button>
        </form>
        <ErrorBox error={create.error} />
      </section>
      {site ? (
        <SiteForm
          key={site.id}
          site={site}
          onSaved={(s) => setSites((list) => list.map((x) => (x.id === s.id ? s : x)))}
          onDeleted={(id) => {
            setSites((list) => list.filter((x) => x.id !== id));
            setSelected(sites.find((x) => x.id !== id)?.id ?? null);
          }}
        />
      ) : null}
    </div>
  );
}
