// The message box: Enter sends, Shift+Enter breaks the line. Files upload as soon as
// they are picked and go out, by id, with the next message.
import { useRef, useState } from 'preact/hooks';
import type { AttachmentView } from '../../server/transport/views';
import type { Chat } from '../chat';
import type { Dict } from '../i18n';
import { fill, formatSize } from '../util';
import { ClipIcon, SendIcon } from './icons';

interface Staged {
  id: number;
  name: string;
  att: AttachmentView | null;
  done: Promise<AttachmentView | null>;
}

let nextId = 0;

export function Composer({ chat, t, maxBytes }: { chat: Chat; t: Dict; maxBytes: number }) {
  const input = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [files, setFiles] = useState<Staged[]>([]);
  const [error, setError] = useState('');

  const grow = (el: HTMLTextAreaElement) => {
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, 120)}px`;
  };

  const pick = (el: HTMLInputElement) => {
    const list = Array.from(el.files ?? []);
    el.value = '';
    setError('');
    for (const file of list) {
      if (file.size > maxBytes) {
        setError(fill(t.tooBig, { name: file.name, size: formatSize(maxBytes) }));
        continue;
      }
      const id = ++nextId;
      const done = chat.upload(file).then(
        (att) => {
          setFiles((fs) => fs.map((f) => (f.id === id ? { ...f, att } : f)));
          return att;
        },
        (err: Error) => {
          setError(`${fill(t.uploadFailed, { name: file.name })} ${err.message}`);
          setFiles((fs) => fs.filter((f) => f.id !== id));
          return null;
        },
      );
      setFiles((fs) => [...fs, { id, name: file.name, att: null, done }]);
    }
  };

  const send = async () => {
    // Read the box itself: a key press can come before the re-render after typing.
    const body = (input.current?.value ?? text).trim();
    const staged = files;
    if (!body && !staged.length) return;
    setText('');
    setFiles([]);
    if (input.current) {
      input.current.value = '';
      grow(input.current);
    }
    const atts = (await Promise.all(staged.map((f) => f.done))).filter((a): a is AttachmentView => !!a);
    if (body || atts.length) chat.send(body, atts);
  };

  return (
    <form
      class="pw-compose"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {error && <p class="pw-err" role="alert">{error}</p>}
      {files.length > 0 && (
        <div class="pw-chips">
          {files.map((f) => (
            <span class="pw-chip" key={f.id}>
              <ClipIcon />
              <span>{f.att ? f.name : `${f.name} · ${t.uploading}`}</span>
              <button type="button" aria-label={`${t.remove} ${f.name}`} onClick={() => setFiles(files.filter((x) => x.id !== f.id))}>×</button>
            </span>
          ))}
        </div>
      )}
      <div class="pw-row">
        <label class="pw-attach" title={t.attach}>
          <ClipIcon />
          <input type="file" multiple data-testid="parley-attach" aria-label={t.attach} onChange={(e) => pick(e.currentTarget)} />
        </label>
        <textarea
          ref={input}
          class="pw-input"
          data-testid="parley-input"
          rows={1}
          maxLength={10000}
          aria-label={t.placeholder}
          placeholder={t.placeholder}
          value={text}
          onInput={(e) => {
            const el = e.currentTarget;
            setText(el.value);
            grow(el);
            chat.typing(el.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" class="pw-send" data-testid="parley-send" aria-label={t.send} title={t.send} disabled={!text.trim() && !files.length}>
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
