import { useEffect, useRef, type RefObject } from 'react';

/**
 * A `<dialog>` shown as a modal while `open`: `onOpen` runs as it opens, so a form takes its
 * values then, not whenever what it was drawn from changes under it.
 */
export function useModal(open: boolean, onOpen: () => void): RefObject<HTMLDialogElement | null> {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      onOpen();
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  return ref;
}
