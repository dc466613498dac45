// The silo model's tenant tables (step05 on), read straight from the emulator: which lists have
// a DynamoDB table of their own. Unsigned JSON calls; moto routes by the credential scope.
import type { StackInfo } from "../../harness/readyFile.ts";

/** The names of every table in the emulator. */
export async function tableNames(stack: StackInfo): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const response = await fetch(stack.emulator, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        Authorization: "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: JSON.stringify(start ? { ExclusiveStartTableName: start } : {}),
    });
    if (!response.ok) throw new Error(`ListTables: HTTP ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { TableNames: string[]; LastEvaluatedTableName?: string };
    names.push(...page.TableNames);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

/** Whether the list with this id has a table of its own (named `<prefix><listId>`). */
export async function hasTable(stack: StackInfo, listId: string): Promise<boolean> {
  return (await tableNames(stack)).some((name) => name.endsWith(`-tenant-${listId}`));
}
