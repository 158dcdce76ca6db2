// The widget's REST calls (docs/API.md, "Widget").
import type { AttachmentView, ErrorBody, VisitorSession, WidgetConfig } from '../server/transport/views';

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ErrorBody) {
    super(body.message);
  }
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
  if (!res.ok) throw new ApiError(res.status, body?.error ?? { code: 'INTERNAL', message: `HTTP ${res.status}` });
  return body as T;
}

export const fetchConfig = (base: string, site: string): Promise<WidgetConfig> =>
  call(`${base}/api/widget/config?site=${encodeURIComponent(site)}`);

/** The same visitor when `token` is still valid for this site, a new one otherwise. */
export const openSession = (base: string, site: string, token: string | null): Promise<VisitorSession> =>
  call(`${base}/api/widget/visitor`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(token ? { site, token } : { site }),
  });

export function uploadFile(base: string, token: string, file: File): Promise<AttachmentView> {
  const form = new FormData();
  form.append('file', file, file.name);
  return call(`${base}/api/widget/attachments`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
}
