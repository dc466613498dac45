// The list name rule, mirrored from the API so the forms can say what is wrong before a round trip.
import { titleLength } from "./todoTitle.ts";

export const LIST_NAME_MAX_LENGTH = 100;

/** Why `name` would be rejected, or null when it is acceptable. */
export function listNameProblem(name: string): string | null {
  // Counted as the API counts, like a todo's title.
  const length = titleLength(name);
  if (length === 0) return "Enter a name.";
  if (length > LIST_NAME_MAX_LENGTH) {
    return `Keep the name to ${LIST_NAME_MAX_LENGTH} characters or fewer (this one has ${length}).`;
  }
  return null;
}
