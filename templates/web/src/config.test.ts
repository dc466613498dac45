// parseConfig: what config.json may contain, and the message for each way it can be wrong.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config.ts";

describe("parseConfig", () => {
  it.each([
    ["https://abc.execute-api.eu-west-1.amazonaws.com/prod/", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/"],
    ["https://abc.execute-api.eu-west-1.amazonaws.com/prod", "https://abc.execute-api.eu-west-1.amazonaws.com/prod/"],
    ["http://localhost:3000", "http://localhost:3000/"],
  ])("normalises %s to end in a slash", (apiUrl, expected) => {
    expect(parseConfig({ apiUrl })).toEqual({ apiUrl: expected });
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
