// A failed add/update/delete, announced at once but shown above the list so nothing is lost.
export function ActionErrorBanner({ message, onDismiss }: { message: string; onDismiss: () => void }) {
  return (
    <div role="alert" className="panel panel-error banner">
      <p>{message}</p>
      <button type="button" className="secondary" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
