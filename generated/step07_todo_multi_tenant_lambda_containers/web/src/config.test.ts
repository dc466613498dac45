// parseConfig: what config.json may contain, and the message for each way it can be wrong.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.ts";

/** The auth object a deployed stack writes. */
const auth = { region: "us-east-1", userPoolId: "us-east-1_AbC123", userPoolClientId: "4example", flow: "USER_SRP_AUTH" };

describe("parseConfig", () => {
  it.each([
    ["https://abc.execute-api.eu-west-1.amazonaws.com/prod/", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/"],
    ["https://abc.execute-api.eu-west-1.amazonaws.com/prod", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/"],
    ["http://localhost:3000", "http://localhost:3000/"],
  ])("normalises %s to end in a slash", (apiUrl, expected) => {
    expect(parseConfig({ apiUrl, auth })).toEqual({ apiUrl: expected, auth });
  });

  it.each([
    [[], "must be a JSON object"],
    ["https://example.test/", "must be a JSON object"],
    [{}, 'has no "apiUrl" string'],
    [{ apiUrl: "  " }, 'has no "apiUrl" string'],
    [{ apiUrl: "/prod/" }, "is not an absolute URL"],
    [{ apiUrl: "ftp://example.test/" }, "must start with http:// or https://"],
  ])("rejects %j with a message that names the problem", (raw, problem) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(problem);
  });
});

describe("parseConfig: the auth object", () => {
  const authOf = (value: unknown) => parseConfig({ apiUrl: "https://api.example.test/", auth: value }).auth;

  it("reads a deployed stack's user pool: SRP, at AWS's own endpoint", () => {
    expect(authOf(auth)).toEqual(auth);
    expect("endpoint" in authOf(auth)).toBe(false);
  });

  it("reads the local emulator's endpoint and plain-password flow", () => {
    expect(authOf({ ...auth, flow: "USER_PASSWORD_AUTH", endpoint: "http://127.0.0.1:4566" })).toEqual({
      ...auth,
      flow: "USER_PASSWORD_AUTH",
      endpoint: "http://127.0.0.1:4566/",
    });
  });

  it.each([
    [undefined, 'has no "auth" object'],
    ["us-east-1_AbC123", 'has no "auth" object'],
    [{ ...auth, region: undefined }, '"auth" in /config.json has no "region" string'],
    [{ ...auth, userPoolId: " " }, '"auth" in /config.json has no "userPoolId" string'],
    [{ ...auth, userPoolClientId: 42 }, '"auth" in /config.json has no "userPoolClientId" string'],
    [{ ...auth, flow: undefined }, '"auth" in /config.json has no "flow" string'],
    [{ ...auth, region: "Virginia" }, '"auth.region" in /config.json is not an AWS region such as "us-east-1": "Virginia"'],
    [{ ...auth, userPoolId: "eu-west-1_AbC123" }, '"auth.userPoolId" in /config.json must be a user pool id in us-east-1'],
    [{ ...auth, userPoolId: "us-east-1_" }, '"auth.userPoolId" in /config.json must be a user pool id in us-east-1'],
    [{ ...auth, flow: "USER_AUTH" }, '"auth.flow" in /config.json must be "USER_SRP_AUTH" (deployed) or "USER_PASSWORD_AUTH"'],
    [{ ...auth, endpoint: "127.0.0.1:4566" }, '"auth.endpoint" in /config.json must be an http:// or https:// URL'],
    [{ ...auth, endpoint: null }, '"auth.endpoint" in /config.json must be an http:// or https:// URL'],
  ])("rejects auth %j with a message that names the problem", (value, problem) => {
    expect(() => authOf(value)).toThrow(ConfigError);
    expect(() => authOf(value)).toThrow(problem);
  });
});
