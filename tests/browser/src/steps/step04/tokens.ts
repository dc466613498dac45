// What a Cognito ID token says about the user's tenants (step04's `tenants` claim). Decoded
// only, not verified: the tests read what the SPA and the bridge were given.

/** The payload of a JWT. */
export function jwtPayload(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) throw new Error(`not a JWT: ${token.slice(0, 20)}…`);
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The list ids in the token's `tenants` claim (space-separated); [] when it has none. */
export function tenantsIn(token: string): string[] {
  const claim = jwtPayload(token)["tenants"];
  if (claim === undefined) return [];
  if (typeof claim !== "string") throw new Error(`the tenants claim is not a string: ${JSON.stringify(claim)}`);
  return claim.split(" ").filter((id) => id !== "");
}
