import { useId, type FormEvent, type ReactNode } from 'react';
import { useModal } from './use-modal.js';

/**
 * A form in a modal `<dialog>`, titled by its heading: shown while `open` (`onOpen` runs as it
 * opens, so the form takes its values then), closed by Escape or the caller. The form checks its
 * own fields (`noValidate`) so every problem is said in words, not in a browser bubble.
 */
export function ModalForm({
  open,
  onOpen,
  onClose,
  onSubmit,
  title,
  className,
  testId,
  children,
}: {
  open: boolean;
  onOpen: () => void;
  onClose: () => void;
  onSubmit: (event: FormEvent) => void;
  title: string;
  className: string;
  testId: string;
  children: ReactNode;
}) {
  const ref = useModal(open, onOpen);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      className={className}
      aria-labelledby={titleId}
      onClose={onClose}
      data-testid={testId}
    >
      <form onSubmit={onSubmit} noValidate>
        <h2 id={titleId}>{title}</h2>
        {children}
      </form>
    </dialog>
  );
}
