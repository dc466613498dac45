//! What templates see of a step: its spec plus the names derived from it, computed once here
//! so that no template spells a naming rule of its own.

use crate::model::{Architecture, Auth, Course, Packaging, StepSpec, Tenancy};

pub struct StepView<'a> {
    pub course_title: &'a str,
    pub step: &'a StepSpec,
    /// The step this one extends, for "what changed" sections.
    pub previous: Option<&'a StepSpec>,
    /// npm package name of the CDK app, e.g. `step00-todo-single-tenant-serverless`.
    pub cdk_package: String,
    /// npm package name of the SPA.
    pub web_package: String,
    /// Cargo package and binary name of the API Lambda, e.g. `step00-api`.
    pub api_crate: String,
    /// Cargo package and binary name of the pre-token-generation trigger, e.g. `step04-token`.
    pub token_crate: String,
    /// Cargo package and binary name of the tenant-provisioning consumer (step06 on).
    pub provisioner_crate: String,
    /// Cargo package and binary name of the usage roll-up consumer (step06 on).
    pub rollup_crate: String,
    /// CloudFormation stack name, e.g. `Step00TodoSingleTenantServerless`.
    pub stack_name: String,
    /// The stack's description as a TypeScript string literal (quotes included).
    pub stack_description: String,
    /// `x86_64` or `arm64`, as cargo lambda and Lambda spell it.
    pub architecture: &'static str,
    /// The `lambda.Architecture` member in CDK: `X86_64` or `ARM_64`.
    pub cdk_architecture: &'static str,
    /// Users sign in with Cognito; the API refuses requests without a valid token.
    pub sign_in: bool,
    /// Many tenants (lists), each with its own data; `false` for the single-tenant steps.
    pub multi_tenant: bool,
    /// Users sign themselves up (with an email confirmation code).
    pub signup: bool,
    /// A list's owner shares it with other users.
    pub sharing: bool,
    /// A pre-token-generation trigger writes the user's tenant (list) ids into the ID token.
    pub tenant_claims: bool,
    /// Every request is metered per list and rolled up to the list's owner.
    pub metering: bool,
    /// Each tenant (list) has a DynamoDB table of its own (the silo model), created with it.
    pub silo: bool,
    /// Domain events on an EventBridge bus; provisioning and the roll-up consume them.
    pub events: bool,
    /// The Lambdas are container images (`packaging: image`), not zip archives.
    pub image: bool,
}

impl<'a> StepView<'a> {
    pub fn new(course: &'a Course, step: &'a StepSpec) -> StepView<'a> {
        let slug = step.folder.replace('_', "-");
        let (architecture, cdk_architecture) = match step.features.architecture {
            Architecture::X86_64 => ("x86_64", "X86_64"),
            Architecture::Arm64 => ("arm64", "ARM_64"),
        };
        StepView {
            course_title: &course.title,
            step,
            previous: step.extends.as_deref().and_then(|id| course.step(id)),
            web_package: format!("{slug}-web"),
            cdk_package: slug,
            api_crate: crate_name(step, "api"),
            token_crate: crate_name(step, "token"),
            provisioner_crate: crate_name(step, "provisioner"),
            rollup_crate: crate_name(step, "rollup"),
            stack_name: pascal_case(&step.folder),
            stack_description: ts_string(&format!("stepgen course, {}: {}", step.id, step.title)),
            architecture,
            cdk_architecture,
            sign_in: step.features.auth == Auth::Cognito,
            multi_tenant: step.features.tenancy != Tenancy::Single,
            signup: step.features.signup,
            sharing: step.features.sharing,
            tenant_claims: step.features.tenant_claims,
            metering: step.features.metering,
            silo: step.features.tenancy == Tenancy::Silo,
            events: step.features.events,
            image: step.features.packaging == Packaging::Image,
        }
    }
}

/// The Cargo package (and binary) name of one of a step's Lambdas, e.g. `step04-token`.
fn crate_name(step: &StepSpec, function: &str) -> String {
    format!("{}-{function}", step.id.replace('_', "-"))
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A single-quoted TypeScript string literal.
fn ts_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

#[cfg(test)]
mod tests {
    use super::{pascal_case, ts_string};

    #[test]
    fn ts_string_escapes_quotes_and_backslashes() {
        assert_eq!(ts_string(r"it's a\b"), r"'it\'s a\\b'");
    }

    #[test]
    fn pascal_case_joins_words() {
        assert_eq!(
            pascal_case("step00_todo_single_tenant_serverless"),
            "Step00TodoSingleTenantServerless"
        );
    }
}
