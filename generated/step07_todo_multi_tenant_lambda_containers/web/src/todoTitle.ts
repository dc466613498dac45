// The title rule, mirrored from the API so the form can say what is wrong before a round trip.

export const TITLE_MAX_LENGTH = 200;

/** Counts Unicode code points, as the Rust API does, so an emoji counts once. */
export function titleLength(title: string): number {
  return [...title.trim()].length;
}

/** Why `title` would be rejected, or null when it is acceptable. */
export function titleProblem(title: string): string | null {
  const length = titleLength(title);
  if (length === 0) return "Enter a title.";
  if (length > TITLE_MAX_LENGTH) {
    return `Keep the title to ${TITLE_MAX_LENGTH} characters or fewer (this one has ${length}).`;
  }
  return null;
}
