// Typed client for a list's member routes: who may see and change the list's todos. Only the
// owner adds and removes members; a member may remove only themselves, which is leaving.
import { ApiError, createSend, isRecord, json, type ApiSession } from "./api.ts";
import type { Role } from "./listApi.ts";

export interface Member {
  /** The user's id in the user pool (the ID token's `sub`). */
  userId: string;
  email: string;
  role: Role;
}

export interface MemberApi {
  /** Everyone on the list, the owner first. */
  list(signal?: AbortSignal): Promise<Member[]>;
  /** Owner only. 404: nobody has signed up with `email`; 409: already a member; 400: the owner's own. */
  add(email: string): Promise<Member>;
  /** The owner removes a member; a member removes themselves (leaves the list). */
  remove(userId: string): Promise<void>;
}

export function createMemberApi(apiUrl: string, session: ApiSession, listId: string): MemberApi {
  const send = createSend(apiUrl, session);
  const membersPath = `lists/${encodeURIComponent(listId)}/members`;

  return {
    async list(signal) {
      const body = await json(await send("GET", membersPath, undefined, signal));
      const members = isRecord(body) ? body["members"] : undefined;
      if (!Array.isArray(members) || !members.every(isMember)) throw unexpectedBody();
      return members;
    },
    async add(email) {
      const body = await json(await send("POST", membersPath, { email }));
      if (!isMember(body)) throw unexpectedBody();
      return body;
    },
    async remove(userId) {
      await send("DELETE", `${membersPath}/${encodeURIComponent(userId)}`);
    },
  };
}

function unexpectedBody(): ApiError {
  return new ApiError(0, "invalid_response", "The API answered with something that is not a list member; is apiUrl pointing at the todo API?");
}

function isMember(value: unknown): value is Member {
  return (
    isRecord(value) &&
    typeof value["userId"] === "string" &&
    typeof value["email"] === "string" &&
    (value["role"] === "owner" || value["role"] === "member")
  );
}
