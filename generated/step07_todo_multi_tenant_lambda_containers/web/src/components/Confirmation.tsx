// A question asked in place before a step that cannot be undone. The safe answer has focus,
// and Escape gives it.
import { useEffect, useId, useRef, type KeyboardEvent } from "react";

interface Props {
  question: string;
  /** The button that goes ahead, e.g. "Yes, delete list", and what it says while busy. */
  confirm: string;
  confirming: string;
  /** The button that backs out, e.g. "Keep list". */
  cancel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function Confirmation({ question, confirm, confirming, cancel, busy, onConfirm, onCancel }: Props) {
  const id = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);

  useEffect(() => cancelRef.current?.focus(), []);

  function cancelOnEscape(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === "Escape" && !busy) {
      event.preventDefault();
      onCancel();
    }
  }

  return (
    <div role="alertdialog" aria-labelledby={`${id}-question`} className="panel panel-error confirmation" onKeyDown={cancelOnEscape}>
      <p id={`${id}-question`}>{question}</p>
      <div className="form-actions">
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {busy ? confirming : confirm}
        </button>
        <button ref={cancelRef} type="button" className="secondary" disabled={busy} onClick={onCancel}>
          {cancel}
        </button>
      </div>
    </div>
  );
}
