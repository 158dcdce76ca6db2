// A settings row that shows a channel, or its edit form, or a delete confirmation, and
// keeps keyboard users in place as those open and close (focus returns to the button
// that opened them; the confirmation's Cancel gets focus when it appears).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export type RowMode = 'view' | 'edit' | 'delete';
type FocusTarget = 'edit' | 'delete' | 'cancel-delete' | null;

export function useRowModes() {
  const [mode, setMode] = useState<RowMode>('view');
  const editBtn = useRef<HTMLButtonElement>(null);
  const deleteBtn = useRef<HTMLButtonElement>(null);
  const cancelDelete = useRef<HTMLButtonElement>(null);
  const focusNext = useRef<FocusTarget>(null);

  useEffect(() => {
    const target = focusNext.current;
    focusNext.current = null;
    if (target === 'edit') editBtn.current?.focus();
    else if (target === 'delete') deleteBtn.current?.focus();
    else if (target === 'cancel-delete') cancelDelete.current?.focus();
  }, [mode]);

  const go = (next: RowMode, focus: FocusTarget = null) => {
    focusNext.current = focus;
    setMode(next);
  };
  return { mode, go, editBtn, deleteBtn, cancelDelete };
}

interface ConfirmProps {
  /** Unique on the page: labels the group. */
  id: string;
  /** Test ids `<prefix>-delete-confirmation` and `<prefix>-delete-confirm`. */
  prefix: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  cancelRef: { current: HTMLButtonElement | null };
  children: ComponentChildren;
}

/** "Delete …? [Delete] [Cancel]": the question says what is lost and what stays. */
export function DeleteConfirmation({ id, prefix, confirmLabel, busy, onConfirm, onCancel, cancelRef, children }: ConfirmProps) {
  return (
    <div class="confirm" role="group" aria-labelledby={id} data-testid={`${prefix}-delete-confirmation`}>
      <p id={id}>{children}</p>
      <div class="form-actions">
        <button type="button" class="btn danger" data-testid={`${prefix}-delete-confirm`} disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button ref={cancelRef} type="button" class="btn subtle" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
