//! The template list: every file a step folder can hold, the template it comes from, and the
//! features that decide whether the step has it.
//!
//! A template's path under `templates/` is its output path, except that the `cdk/` and `docs/`
//! prefixes are dropped (the CDK app and the README sit at the step folder's root).

use askama::Template;

use super::{FileTree, StepView};

/// Declares one askama template struct per file and `render_all`, which renders those whose
/// condition holds for the step.
macro_rules! step_files {
    ($( $name:ident => $path:literal $(if $when:expr)? ;)*) => {
        $(
            #[derive(Template)]
            #[template(path = $path, escape = "none")]
            #[allow(dead_code, reason = "a template without expressions never reads the view")]
            struct $name<'a> {
                s: &'a StepView<'a>,
            }
        )*

        pub fn render_all(view: &StepView) -> FileTree {
            let mut tree = FileTree::default();
            $(
                let wanted = true $(&& ($when)(view))?;
                if wanted {
                    let text = $name { s: view }
                        .render()
                        .unwrap_or_else(|err| panic!("template {} failed: {err}", $path));
                    add(&mut tree, $path, text);
                }
            )*
            tree
        }
    };
}

/// Askama drops a template file's final newline; put it back so output files end as the
/// templates do.
fn add(tree: &mut FileTree, template_path: &str, mut text: String) {
    text.push('\n');
    let output = template_path
        .strip_prefix("cdk/")
        .or_else(|| template_path.strip_prefix("docs/"))
        .unwrap_or(template_path);
    tree.insert(output, text, false);
}

step_files! {
    Readme => "docs/README.md";

    // The CDK app, at the step folder's root.
    CdkPackageJson => "cdk/package.json";
    CdkJson => "cdk/cdk.json";
    CdkTsconfigJson => "cdk/tsconfig.json";
    CdkVitestConfigTs => "cdk/vitest.config.ts";
    CdkBinAppTs => "cdk/bin/app.ts";
    CdkLibTodoAppTs => "cdk/lib/todo-app.ts";
    CdkLibTodoStackTs => "cdk/lib/todo-stack.ts";
    CdkLibDataTs => "cdk/lib/data.ts";
    CdkLibApiTs => "cdk/lib/api.ts";
    CdkLibAuthTs => "cdk/lib/auth.ts" if |s: &StepView| s.sign_in;
    CdkLibRustFunctionTs => "cdk/lib/rust-function.ts";
    CdkLibTenantAccessTs => "cdk/lib/tenant-access.ts" if |s: &StepView| s.multi_tenant;
    CdkLibTenantClaimsTs => "cdk/lib/tenant-claims.ts" if |s: &StepView| s.tenant_claims;
    CdkLibMeteringTs => "cdk/lib/metering.ts" if |s: &StepView| s.metering;
    CdkLibEventsTs => "cdk/lib/events.ts" if |s: &StepView| s.events;
    CdkLibWebTs => "cdk/lib/web.ts";
    CdkTestTodoStackTestTs => "cdk/test/todo-stack.test.ts";

    // The API Lambda: a thin entry point over runtime-crates/.
    LambdaApiCargoToml => "lambdas/api/Cargo.toml";
    LambdaApiMainRs => "lambdas/api/src/main.rs";

    // The pre-token-generation trigger: writes the user's list ids into their ID token.
    LambdaTokenCargoToml => "lambdas/token/Cargo.toml" if |s: &StepView| s.tenant_claims;
    LambdaTokenMainRs => "lambdas/token/src/main.rs" if |s: &StepView| s.tenant_claims;

    // The event consumers (step06): each reads its SQS queue.
    LambdaProvisionerCargoToml => "lambdas/provisioner/Cargo.toml" if |s: &StepView| s.events;
    LambdaProvisionerMainRs => "lambdas/provisioner/src/main.rs" if |s: &StepView| s.events;
    LambdaRollupCargoToml => "lambdas/rollup/Cargo.toml" if |s: &StepView| s.events;
    LambdaRollupMainRs => "lambdas/rollup/src/main.rs" if |s: &StepView| s.events;

    // With `packaging: image`, each Lambda's Dockerfile, beside its crate. They belong to the CDK
    // app's packaging (lib/rust-function.ts builds their context), hence templates/cdk/lambdas/;
    // all four include cdk/lambdas/Dockerfile.in.
    CdkLambdaApiDockerfile => "cdk/lambdas/api/Dockerfile" if |s: &StepView| s.image;
    CdkLambdaTokenDockerfile => "cdk/lambdas/token/Dockerfile" if |s: &StepView| s.image && s.tenant_claims;
    CdkLambdaProvisionerDockerfile => "cdk/lambdas/provisioner/Dockerfile" if |s: &StepView| s.image && s.events;
    CdkLambdaRollupDockerfile => "cdk/lambdas/rollup/Dockerfile" if |s: &StepView| s.image && s.events;

    // The SPA.
    WebIndexHtml => "web/index.html";
    WebPackageJson => "web/package.json";
    WebSrcAppTestTsx => "web/src/App.test.tsx";
    WebSrcAppTsx => "web/src/App.tsx";
    WebSrcAmplifyAuthTs => "web/src/amplifyAuth.ts" if |s: &StepView| s.sign_in;
    WebSrcAmplifyAuthTestTs => "web/src/amplifyAuth.test.ts" if |s: &StepView| s.sign_in;
    WebSrcApiTestTs => "web/src/api.test.ts";
    WebSrcApiTs => "web/src/api.ts";
    WebSrcAuthTs => "web/src/auth.ts" if |s: &StepView| s.sign_in;
    WebSrcComponentsAccountBarTsx => "web/src/components/AccountBar.tsx" if |s: &StepView| s.sign_in;
    WebSrcComponentsAccountScreensTestTsx => "web/src/components/AccountScreens.test.tsx" if |s: &StepView| s.signup;
    WebSrcComponentsAccountScreensTsx => "web/src/components/AccountScreens.tsx" if |s: &StepView| s.signup;
    WebSrcComponentsActionErrorBannerTsx => "web/src/components/ActionErrorBanner.tsx";
    WebSrcComponentsAddTodoFormTsx => "web/src/components/AddTodoForm.tsx";
    WebSrcComponentsConfigErrorScreenTsx => "web/src/components/ConfigErrorScreen.tsx";
    WebSrcComponentsConfirmSignUpScreenTsx => "web/src/components/ConfirmSignUpScreen.tsx" if |s: &StepView| s.signup;
    WebSrcComponentsConfirmationTsx => "web/src/components/Confirmation.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsCreateListFormTsx => "web/src/components/CreateListForm.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsListHeaderTsx => "web/src/components/ListHeader.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsListSwitcherTsx => "web/src/components/ListSwitcher.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsListsPageTestTsx => "web/src/components/ListsPage.test.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsListsPageTsx => "web/src/components/ListsPage.tsx" if |s: &StepView| s.multi_tenant;
    WebSrcComponentsLoadFailedPanelTsx => "web/src/components/LoadFailedPanel.tsx";
    WebSrcComponentsSessionRefreshTestTsx => "web/src/components/SessionRefresh.test.tsx" if |s: &StepView| s.tenant_claims;
    WebSrcComponentsSessionGateTestTsx => "web/src/components/SessionGate.test.tsx" if |s: &StepView| s.sign_in;
    WebSrcComponentsSessionGateTsx => "web/src/components/SessionGate.tsx" if |s: &StepView| s.sign_in;
    WebSrcComponentsShareDialogTestTsx => "web/src/components/ShareDialog.test.tsx" if |s: &StepView| s.sharing;
    WebSrcComponentsShareDialogTsx => "web/src/components/ShareDialog.tsx" if |s: &StepView| s.sharing;
    WebSrcComponentsSignInScreenTestTsx => "web/src/components/SignInScreen.test.tsx" if |s: &StepView| s.sign_in;
    WebSrcComponentsSignInScreenTsx => "web/src/components/SignInScreen.tsx" if |s: &StepView| s.sign_in;
    WebSrcComponentsSignUpScreenTsx => "web/src/components/SignUpScreen.tsx" if |s: &StepView| s.signup;
    WebSrcComponentsTitleFieldTsx => "web/src/components/TitleField.tsx";
    WebSrcComponentsTodoConflictsTestTsx => "web/src/components/TodoConflicts.test.tsx" if |s: &StepView| s.sharing;
    WebSrcComponentsTodoItemTsx => "web/src/components/TodoItem.tsx";
    WebSrcComponentsTodoListTsx => "web/src/components/TodoList.tsx";
    WebSrcComponentsTodoPageTestTsx => "web/src/components/TodoPage.test.tsx";
    WebSrcComponentsTodoPageTsx => "web/src/components/TodoPage.tsx";
    WebSrcComponentsUsageChartTsx => "web/src/components/UsageChart.tsx" if |s: &StepView| s.metering;
    WebSrcComponentsUsagePageTestTsx => "web/src/components/UsagePage.test.tsx" if |s: &StepView| s.metering;
    WebSrcComponentsUsagePageTsx => "web/src/components/UsagePage.tsx" if |s: &StepView| s.metering;
    WebSrcComponentsUsageTableTsx => "web/src/components/UsageTable.tsx" if |s: &StepView| s.metering;
    WebSrcConfigTestTs => "web/src/config.test.ts";
    WebSrcConfigTs => "web/src/config.ts";
    WebSrcListApiTestTs => "web/src/listApi.test.ts" if |s: &StepView| s.multi_tenant;
    WebSrcListApiTs => "web/src/listApi.ts" if |s: &StepView| s.multi_tenant;
    WebSrcListNameTs => "web/src/listName.ts" if |s: &StepView| s.multi_tenant;
    WebSrcMainTsx => "web/src/main.tsx";
    WebSrcMemberApiTs => "web/src/memberApi.ts" if |s: &StepView| s.sharing;
    WebSrcPasswordPolicyTestTs => "web/src/passwordPolicy.test.ts" if |s: &StepView| s.signup;
    WebSrcPasswordPolicyTs => "web/src/passwordPolicy.ts" if |s: &StepView| s.signup;
    WebSrcStylesCss => "web/src/styles.css";
    WebSrcTestFakeApiTs => "web/src/test/fakeApi.ts";
    WebSrcTestFakeAuthTs => "web/src/test/fakeAuth.ts" if |s: &StepView| s.sign_in;
    WebSrcTestFakeListsTs => "web/src/test/fakeLists.ts" if |s: &StepView| s.multi_tenant;
    WebSrcTestFakeUsageTs => "web/src/test/fakeUsage.ts" if |s: &StepView| s.metering;
    WebSrcTestSetupTs => "web/src/test/setup.ts";
    WebSrcTodoTitleTs => "web/src/todoTitle.ts";
    WebSrcUsageApiTestTs => "web/src/usageApi.test.ts" if |s: &StepView| s.metering;
    WebSrcUsageApiTs => "web/src/usageApi.ts" if |s: &StepView| s.metering;
    WebSrcUsagePeriodTestTs => "web/src/usagePeriod.test.ts" if |s: &StepView| s.metering;
    WebSrcUsagePeriodTs => "web/src/usagePeriod.ts" if |s: &StepView| s.metering;
    WebSrcUseListsTs => "web/src/useLists.ts" if |s: &StepView| s.multi_tenant;
    WebSrcUseTodosTs => "web/src/useTodos.ts";
    WebSrcUseUsageAddressTs => "web/src/useUsageAddress.ts" if |s: &StepView| s.metering;
    WebSrcUseUsageTs => "web/src/useUsage.ts" if |s: &StepView| s.metering;
    WebTsconfigJson => "web/tsconfig.json";
    WebViteConfigTs => "web/vite.config.ts";
}
