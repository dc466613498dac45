// The user pool's password policy (lib/auth.ts), mirrored so the sign-up form can say what a
// password still needs before Cognito refuses it. Cognito checks again; this is for the user.

export const PASSWORD_MIN_LENGTH = 12;

/** The characters Cognito counts as symbols; a space counts too, but not at either end. */
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/;

export interface PasswordRule {
  /** What the password needs, to complete "Your password needs …". */
  needs: string;
  met(password: string): boolean;
}

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { needs: `at least ${PASSWORD_MIN_LENGTH} characters`, met: (password) => [...password].length >= PASSWORD_MIN_LENGTH },
  { needs: "a lowercase letter", met: (password) => /[a-z]/.test(password) },
  { needs: "an uppercase letter", met: (password) => /[A-Z]/.test(password) },
  { needs: "a digit", met: (password) => /[0-9]/.test(password) },
  { needs: "a symbol, such as ! ? # or %", met: (password) => SYMBOL.test(password) || password.trim().includes(" ") },
];

/** Why Cognito would refuse `password`, in one sentence, or null when it would accept it. */
export function passwordProblem(password: string): string | null {
  if (password === "") return "Enter a password.";
  if (password.trim() !== password) return "Your password cannot start or end with a space.";
  const missing = PASSWORD_RULES.filter((rule) => !rule.met(password)).map((rule) => rule.needs);
  if (missing.length === 0) return null;
  return `Your password needs ${listInWords(missing)}.`;
}

/** ["a", "b", "c"] → "a, b and c". */
function listInWords(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
