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
}
