// What the per-website settings screens (Messengers, Inboxes) share: the websites and the
// one being shown, the picker between them, and that website's list of channels, kept
// fresh by reloads (after an action the server may have changed more than it answered)
// and, where a status moves on its own, by polling.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorOf, listSites } from '../api';
import { useAction } from '../components/ui';
import { hrefOf } from '../state/route';
import type { ErrorBody, SiteView } from '../types';

/** The websites, and the selected one (the first, until the admin picks another). */
export function useSites() {
  const [sites, setSites] = useState<SiteView[] | null>(null);
  const [siteId, setSiteId] = useState<string | null>(null);
  const load = useAction();
  useEffect(() => {
    void load.run(async () => {
      const all = await listSites();
      setSites(all);
      setSiteId((s) => s ?? all[0]?.id ?? null);
    });
  }, []);
  const site = sites?.find((s) => s.id === siteId) ?? null;
  return { sites, site, siteId, setSiteId, error: load.error };
}

interface PickerProps {
  sites: SiteView[] | null;
  siteId: string | null;
  onSelect: (id: string) => void;
  /** Prefix of the test ids and element ids: `<prefix>-sites`, `<prefix>-site`. */
  prefix: string;
}

/** Buttons to choose the website (live chat) a screen configures; a hint when there is none. */
export function SitePicker({ sites, siteId, onSelect, prefix }: PickerProps) {
  if (!sites) return null;
  if (sites.length === 0) {
    return <p class="muted">There is no website yet. <a href={hrefOf({ view: 'settings', tab: 'sites' })}>Add a website</a> first.</p>;
  }
  const headingId = `${prefix}-site-h`;
  return (
    <div role="group" aria-labelledby={headingId} class="site-scope">
      <h3 id={headingId} class="field-label">Live chat (website)</h3>
      <ul class="site-list" data-testid={`${prefix}-sites`}>
        {sites.map((s) => (
          <li key={s.id}>
            <button type="button" class={s.id === siteId ? 'site-pick active' : 'site-pick'} aria-pressed={s.id === siteId}
              data-testid={`${prefix}-site`} data-id={s.id} onClick={() => onSelect(s.id)}>
              {s.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface Options<T> {
  load: (siteId: string) => Promise<T[]>;
  /** Reload this often while the screen is open (statuses that change on the server by themselves). */
  pollMs?: number;
}

/**
 * One website's items (channels) with local upserts and removals. `refresh` reloads now;
 * a failed reload keeps the items shown and reports the error.
 */
export function useSiteList<T extends { id: string; siteId: string }>(siteId: string | null, { load, pollMs }: Options<T>) {
  const [list, setList] = useState<{ siteId: string; items: T[] } | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [version, setVersion] = useState(0);
  // Bumped by every local change: an answer to a request sent before it is stale (a poll
  // in flight while an item was added would drop the new row until the next poll).
  const changes = useRef(0);

  useEffect(() => {
    if (!siteId) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchOnce = () => {
      const before = changes.current;
      load(siteId).then(
        (items) => {
          if (!live || before !== changes.current) return;
          setList({ siteId, items });
          setError(null);
        },
        (err) => live && setError(errorOf(err)),
      ).finally(() => {
        // The next poll waits for this answer: a slow server never piles requests up.
        if (live && pollMs) timer = setTimeout(fetchOnce, pollMs);
      });
    };
    fetchOnce();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [siteId, version]);

  const upsert = useCallback((item: T) => {
    changes.current += 1;
    setList((l) => (l && l.siteId === item.siteId
      ? { ...l, items: l.items.some((x) => x.id === item.id) ? l.items.map((x) => (x.id === item.id ? item : x)) : [...l.items, item] }
      : l));
  }, []);
  const remove = useCallback((id: string) => {
    changes.current += 1;
    setList((l) => (l ? { ...l, items: l.items.filter((x) => x.id !== id) } : l));
  }, []);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  const items = list && list.siteId === siteId ? list.items : null;
  return { items, error, upsert, remove, refresh };
}
