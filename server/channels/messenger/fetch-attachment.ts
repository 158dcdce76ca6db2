// Downloads an attachment a messenger sent by URL. The request that names the URL is
// signed with the channel's secret, so the URL comes from the connected messenger; the
// download is still bounded: http(s) only, a timeout, the upload size limit enforced
// while streaming (Content-Length can lie), and the same type allowlist as uploads.
import { ParleyError } from '../../core/errors';
import { cleanFilename, isAllowedUpload } from '../../core/uploads';

export interface Downloaded {
  name: string;
  type: string;
  data: Buffer;
}

export async function fetchAttachment(
  att: { url: string; name?: string; type?: string },
  index: number,
  maxBytes: number,
  timeoutMs = 15_000,
): Promise<Downloaded> {
  const path = `attachments.${index}`;
  const fail = (message: string) => new ParleyError('VALIDATION_FAILED', [{ path, message }]);
  let res: Response;
  try {
    res = await fetch(att.url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw fail(`could not download ${att.url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (!res.ok || !res.body) throw fail(`downloading ${att.url} answered HTTP ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw fail(`the file is larger than ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw fail(`the file is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const name = cleanFilename(att.name ?? decodeURIComponent(new URL(att.url).pathname.split('/').pop() || 'file'));
  const type = (att.type ?? res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
  if (!isAllowedUpload(type, name)) throw fail(`${name} (${type}) is not an allowed file type`);
  return { name, type, data: Buffer.concat(chunks) };
}
