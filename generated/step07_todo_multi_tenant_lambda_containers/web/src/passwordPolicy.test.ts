// The password policy as the sign-up form checks it: the pool's rules (lib/auth.ts).
import { describe, expect, it } from "vitest";
import { PASSWORD_RULES, passwordProblem } from "./passwordPolicy.ts";

describe("passwordProblem", () => {
  it.each(["Correct-horse-1", "A longer pass phrase 9", "Zz9^zzzzzzzz", "Ünïcode-Pass-1x"])("accepts %j", (password) => {
    expect(passwordProblem(password)).toBeNull();
  });

  it.each([
    ["", "Enter a password."],
    ["Short-1a", "Your password needs at least 12 characters."],
    ["correct-horse-1", "Your password needs an uppercase letter."],
    ["CORRECT-HORSE-1", "Your password needs a lowercase letter."],
    ["Correct-horse-battery", "Your password needs a digit."],
    ["Correcthorse11", "Your password needs a symbol, such as ! ? # or %."],
    ["password", "Your password needs at least 12 characters, an uppercase letter, a digit and a symbol, such as ! ? # or %."],
    [" Correct-horse-1", "Your password cannot start or end with a space."],
  ])("explains what %j lacks", (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  it("counts a space inside the password as a symbol, as Cognito does", () => {
    expect(passwordProblem("Correct horse 1")).toBeNull();
  });

  it("has one rule per requirement of the pool, each met by a strong password", () => {
    expect(PASSWORD_RULES.map((rule) => rule.needs)).toHaveLength(5);
    expect(PASSWORD_RULES.every((rule) => rule.met("Correct-horse-1"))).toBe(true);
  });
});
