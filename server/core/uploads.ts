// Which uploads are accepted. Images are shown inline as thumbnails; everything else is
// only ever served as a download (see transport/http/routes/files.ts).

const ALLOWED: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'log'],
  'text/csv': ['csv'],
  'application/zip': ['zip'],
  'application/msword': ['doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
};

/** SVG and HTML are refused outright: both can carry script. */
export function isAllowedUpload(mime: string, filename: string): boolean {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  return ALLOWED[mime.toLowerCase()]?.includes(ext) ?? false;
}

export const isInlineImage = (mime: string): boolean => /^image\/(png|jpeg|gif|webp)$/.test(mime);

/** Keeps a safe display name: no paths, no control characters, bounded length. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
  return cleaned || 'file';
}
