// Attachment upload (agents and visitors) and signed downloads. Files are always served
// as downloads with nosniff and a sandboxing CSP, so an uploaded file can never run as a
// page on Parley's origin.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { ParleyError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { cleanFilename, isAllowedUpload, isInlineImage } from '../../../core/uploads';
import type { Deps } from '../../../deps';
import type { AttachmentView } from '../../views';

/** Parses one multipart file into DATA_DIR/tmp, enforcing size and type. */
export function uploadMiddleware(deps: Deps): RequestHandler {
  const tmp = join(deps.config.DATA_DIR, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return multer({
    dest: tmp,
    limits: { fileSize: deps.config.MAX_UPLOAD_MB * 1024 * 1024, files: 1, fields: 5 },
    fileFilter: (_req, file, cb) => {
      const name = Buffer.from(file.originalname, 'latin1').toString('utf8');
      if (isAllowedUpload(file.mimetype, name)) cb(null, true);
      else cb(new ParleyError('FILE_TYPE_NOT_ALLOWED'));
    },
  }).single('file');
}

/** Stores the uploaded file and its record; returns its view. */
export async function storeUpload(deps: Deps, req: Request, uploader: { kind: 'visitor' | 'agent'; id: string }): Promise<AttachmentView> {
  const file = req.file;
  if (!file) throw new ParleyError('BAD_REQUEST', undefined, 'Attach a file in the form field "file".');
  const id = newId();
  // Busboy hands filenames over as latin1; browsers send UTF-8.
  const name = cleanFilename(Buffer.from(file.originalname, 'latin1').toString('utf8'));
  await deps.blobs.putFile(id, file.path);
  const att = await deps.store.createAttachment({
    id, messageId: null, conversationId: null, uploaderKind: uploader.kind, uploaderId: uploader.id,
    name, type: file.mimetype.toLowerCase(), size: file.size, createdAt: deps.clock.now(),
  });
  return { id: att.id, name: att.name, type: att.type, size: att.size, url: deps.urls.fileUrl(att.id, deps.clock.now()) };
}

export function fileDownloadRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/files/:id', async (req, res) => {
    const id = req.params.id as string;
    const verdict = deps.urls.check(id, String(req.query.exp ?? ''), String(req.query.sig ?? ''), deps.clock.now());
    if (verdict === 'expired') throw new ParleyError('LINK_EXPIRED');
    if (verdict !== 'ok') throw new ParleyError('NOT_FOUND');
    const att = await deps.store.getAttachment(id);
    if (!att) throw new ParleyError('NOT_FOUND');
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=3600',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    // attachment() sets a type from the file name: set ours after it. Images may be shown
    // as thumbnails (<img> ignores the disposition); everything else is opaque bytes.
    res.attachment(att.name);
    res.type(isInlineImage(att.type) ? att.type : 'application/octet-stream');
    const stream = await deps.blobs.open(id);
    if (!stream) throw new ParleyError('NOT_FOUND', undefined, 'The file of this attachment is missing from storage. Ask the sender to upload it again.');
    res.setHeader('Content-Length', String(att.size));
    await pipeline(stream, res);
  });
  return router;
}
