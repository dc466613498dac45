// Shown when the list could not be loaded; Retry asks the API again.
export function LoadFailedPanel({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div role="alert" className="panel panel-error">
      <p>Could not load your todos: {message}</p>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
