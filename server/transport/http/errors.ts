import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ParleyError, isParleyError } from '../../core/errors';

export const notFound: RequestHandler = (_req, _res, next) => next(new ParleyError('NOT_FOUND'));

/** Every error leaves as `{ error: { code, message, details? } }` with the code's status. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toParleyError(err);
    if (error.status >= 500) logger.error({ err, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
    res.status(error.status).json({ error: error.toBody() });
  };
}

/** Errors thrown by body parsers and multer carry their own codes; map them to ours. */
function toParleyError(err: unknown): ParleyError {
  if (isParleyError(err)) return err;
  const e = err as { type?: string; code?: string; status?: number };
  if (e?.type === 'entity.too.large') return new ParleyError('PAYLOAD_TOO_LARGE');
  if (e?.type === 'entity.parse.failed') return new ParleyError('BAD_REQUEST', undefined, 'The request body is not valid JSON.');
  if (e?.code === 'LIMIT_FILE_SIZE') return new ParleyError('FILE_TOO_LARGE');
  if (e?.code === 'LIMIT_FILE_COUNT' || e?.code === 'LIMIT_UNEXPECTED_FILE') {
    return new ParleyError('BAD_REQUEST', undefined, 'Send exactly one file, in the form field "file".');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ParleyError('BAD_REQUEST');
  return new ParleyError('INTERNAL');
}
