// step07, the Lambdas as container images: the same app as step06, with every function built
// from its Dockerfile. Locally `stepgen dev` runs the crates each image is built from (no
// Docker engine here), so this journey proves the step's app, API, trigger and consumers work
// together as packaged; the images themselves are checked by the CDK tests (PackageType Image,
// one image asset per function, the Dockerfile's inputs).
import { describe, expect, it } from "vitest";
import { cognito } from "../src/harness/cognito.ts";
import { useStepJourneys } from "../src/harness/journeys.ts";
import { todoPage } from "../src/steps/step00/todoPage.ts";
import { signInPage } from "../src/steps/step01/signInPage.ts";
import { listsApi } from "../src/steps/step02/listsApi.ts";
import { listsPage } from "../src/steps/step02/listsPage.ts";
import { hasTable } from "../src/steps/step05/tenantTables.ts";

const PASSWORD = "Container-pass-1";
const PREPARING = "Preparing your list — its own storage is being created; this takes a few seconds.";

const journey = useStepJourneys("step07", {
  // The test registers its own user, who owns nothing yet.
  reset: async () => {},
});

describe("the container-image step", () => {
  it("signs in, gets a list prepared by the provisioning consumer, and keeps its todos", async () => {
    const email = `ada-${Date.now()}@example.com`;
    await cognito(journey.stack).register(email, PASSWORD);
    const signInScreen = signInPage(journey.page);
    await signInScreen.open();
    await signInScreen.signIn(email, PASSWORD);
    const lists = listsPage(journey.page);
    const todos = todoPage(journey.page);

    await lists.newList.fill("Groceries");
    await journey.page.getByRole("button", { name: "Create list", exact: true }).click();
    await journey.page.getByText(PREPARING, { exact: true }).waitFor();
    await todos.newTodo.waitFor({ timeout: 30_000 });
    await todos.add("Milk");
    const api = listsApi(journey.stack.api, async () => (await cognito(journey.stack).signIn(email, PASSWORD)).idToken);
    const [groceries] = await api.lists();
    expect(await hasTable(journey.stack, groceries!.id)).toBe(true);

    await journey.page.reload();
    await todos.checkbox("Milk").waitFor();
    expect(await todos.titles()).toEqual(["Milk"]);
  });
});
