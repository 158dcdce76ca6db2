// Files picked in a file input, uploaded one by one before the message that carries them
// is sent: the reply box and the "New email" form both work this way.
import { useState } from 'preact/hooks';
import { errorOf, uploadAttachment } from '../api';
import type { AttachmentView, ErrorBody } from '../types';

export function useUploads(onUploaded: (att: AttachmentView) => void) {
  const [uploading, setUploading] = useState(0);
  const [uploadError, setUploadError] = useState<ErrorBody | null>(null);
  const onFiles = async (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const picked = [...(el.files ?? [])];
    el.value = '';
    setUploadError(null);
    for (const file of picked) {
      setUploading((n) => n + 1);
      try {
        onUploaded(await uploadAttachment(file));
      } catch (err) {
        setUploadError(errorOf(err));
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };
  return { uploading, uploadError, setUploadError, onFiles };
}
