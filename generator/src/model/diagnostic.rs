//! Errors in `steps.yaml`, each pointing at a line and column with a fix to try.

use std::fmt;
use std::path::PathBuf;

/// One problem at one place in the course file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based.
    pub line: u64,
    /// 1-based.
    pub column: u64,
    pub message: String,
    pub help: String,
    /// The source line the problem is on, shown under the message.
    pub source_line: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("cannot read {}: {reason}\n  help: run stepgen from the repository root, or pass --course PATH", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// Every problem found, in file order.
    #[error("{}", render_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl Diagnostic {
    pub(crate) fn new(
        source: &str,
        file: PathBuf,
        (line, column): (u64, u64),
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let source_line = source
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or_default()
            .to_string();
        Diagnostic {
            file,
            line,
            column,
            message: message.into(),
            help: help.into(),
            source_line,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        let caret_pad = " ".repeat(self.column.saturating_sub(1) as usize);
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{gutter}--> {}:{}:{}",
            self.file.display(),
            self.line,
            self.column
        )?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        writeln!(f, "{gutter} | {caret_pad}^")?;
        write!(f, "{gutter} = help: {}", self.help)
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    let count = diagnostics.len();
    let mut text = diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n");
    if count > 1 {
        text.push_str(&format!(
            "\n\n{count} problems in the course; nothing was written."
        ));
    } else {
        text.push_str("\n\nNothing was written.");
    }
    text
}
