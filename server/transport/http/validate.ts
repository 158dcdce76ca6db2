import type { z } from 'zod';
import { ParleyError } from '../../core/errors';

/** Parses untrusted input; a failure becomes VALIDATION_FAILED with one detail per field. */
export function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ParleyError(
    'VALIDATION_FAILED',
    result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
  );
}
