//! CloudFormation: a stack's state, change sets (created, shown, executed, deleted), the stack's
//! events streamed until it settles, and what went wrong when it failed.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata as _};
use aws_sdk_cloudformation::primitives::DateTimeFormat;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType};

use super::DeployError;
use super::say;

/// How often a stack's events are polled while it changes.
const POLL: Duration = Duration::from_secs(2);

fn aws_error(context: &str, err: impl std::error::Error) -> DeployError {
    DeployError::Aws(format!("{context}: {}", DisplayErrorContext(&err)))
}

/// A stack as `DescribeStacks` shows it.
#[derive(Debug, Clone)]
pub struct StackState {
    pub id: String,
    pub status: String,
    pub reason: Option<String>,
    pub outputs: Vec<(String, String, Option<String>)>,
}

/// The stack named (or with the id) `name`, or `None` when there is none.
pub async fn describe(client: &Client, name: &str) -> Result<Option<StackState>, DeployError> {
    match client.describe_stacks().stack_name(name).send().await {
        Ok(output) => Ok(output.stacks().first().map(|stack| StackState {
            id: stack.stack_id().unwrap_or(name).to_owned(),
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            reason: stack.stack_status_reason().map(str::to_owned),
            outputs: stack
                .outputs()
                .iter()
                .map(|o| {
                    (
                        o.output_key().unwrap_or_default().to_owned(),
                        o.output_value().unwrap_or_default().to_owned(),
                        o.description().map(str::to_owned),
                    )
                })
                .collect(),
        })),
        Err(err) if err.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(err) => Err(aws_error(&format!("describing stack {name}"), err)),
    }
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: String,
    pub logical_id: String,
    pub kind: String,
    /// `True`, `False` or `Conditional` for a modification.
    pub replacement: Option<String>,
}

pub struct ChangeSetRequest<'a> {
    pub stack_name: &'a str,
    pub template_url: &'a str,
    pub create: bool,
    pub role_arn: Option<String>,
}

/// Creates a change set and waits until CloudFormation has computed it. Returns its id and
/// its changes; `None` when the template changes nothing (the change set is then deleted).
pub async fn create_change_set(
    client: &Client,
    request: &ChangeSetRequest<'_>,
) -> Result<Option<(String, Vec<Change>)>, DeployError> {
    let name = format!(
        "stepgen-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
    );
    let created = client
        .create_change_set()
        .stack_name(request.stack_name)
        .change_set_name(&name)
        .change_set_type(if request.create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .template_url(request.template_url)
        .set_role_arn(request.role_arn.clone())
        // The CDK's templates create IAM roles and may use macros, as `cdk deploy` allows.
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .description("stepgen deploy")
        .send()
        .await
        .map_err(|err| {
            aws_error(
                &format!("creating a change set for {}", request.stack_name),
                err,
            )
        })?;
    let id = created.id().unwrap_or(&name).to_owned();
    loop {
        let mut changes = Vec::new();
        let mut token = None;
        let (status, reason) = loop {
            let page = client
                .describe_change_set()
                .change_set_name(&id)
                .stack_name(request.stack_name)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| aws_error("describing the change set", err))?;
            changes.extend(page.changes().iter().filter_map(|c| {
                let change = c.resource_change()?;
                Some(Change {
                    action: change
                        .action()
                        .map(|a| a.as_str().to_owned())
                        .unwrap_or_default(),
                    logical_id: change.logical_resource_id().unwrap_or_default().to_owned(),
                    kind: change.resource_type().unwrap_or_default().to_owned(),
                    replacement: change.replacement().map(|r| r.as_str().to_owned()),
                })
            }));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break (
                    page.status().cloned(),
                    page.status_reason().unwrap_or_default().to_owned(),
                );
            }
        };
        match status {
            // An emulator may compute an empty change set where AWS refuses one.
            Some(ChangeSetStatus::CreateComplete) if changes.is_empty() => {
                delete_change_set(client, &id, request.stack_name).await;
                return Ok(None);
            }
            Some(ChangeSetStatus::CreateComplete) => return Ok(Some((id, changes))),
            Some(ChangeSetStatus::Failed) if is_no_change(&reason) => {
                delete_change_set(client, &id, request.stack_name).await;
                return Ok(None);
            }
            Some(ChangeSetStatus::Failed) => {
                delete_change_set(client, &id, request.stack_name).await;
                return Err(DeployError::Failed(format!(
                    "CloudFormation could not create the change set for {}: {reason}",
                    request.stack_name
                )));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// CloudFormation's way of saying that the template changes nothing.
fn is_no_change(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// Deletes a change set that will not be executed; a failure only leaves it listed.
pub async fn delete_change_set(client: &Client, id: &str, stack_name: &str) {
    let _ = client
        .delete_change_set()
        .change_set_name(id)
        .stack_name(stack_name)
        .send()
        .await;
}

/// The changes as a table: `+` add, `~` modify (and whether it replaces), `-` remove.
pub fn render_changes(changes: &[Change]) -> String {
    let width = changes.iter().map(|c| c.kind.len()).max().unwrap_or(0);
    let mut text = String::new();
    for change in changes {
        let sign = match change.action.as_str() {
            "Add" => "+",
            "Remove" => "-",
            "Modify" => "~",
            _ => "?",
        };
        let replacement = match change.replacement.as_deref() {
            Some("True") if change.action == "Modify" => "  (replaced)",
            Some("Conditional") if change.action == "Modify" => "  (may be replaced)",
            _ => "",
        };
        text += &format!(
            "  {sign} {:<width$}  {}{replacement}\n",
            change.kind, change.logical_id
        );
    }
    let count = |action: &str| changes.iter().filter(|c| c.action == action).count();
    text += &format!(
        "  {} to add, {} to modify, {} to remove\n",
        count("Add"),
        count("Modify"),
        count("Remove")
    );
    text
}

/// A stack event, as far as the progress lines and failure summaries need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// `HH:MM:SS` (UTC).
    pub time: String,
    pub logical_id: String,
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
}

impl Event {
    fn is_stack(&self) -> bool {
        self.kind == "AWS::CloudFormation::Stack"
    }
}

/// The stack's events, newest first, until (not including) one in `seen`.
async fn new_events(
    client: &Client,
    stack_id: &str,
    seen: &HashSet<String>,
) -> Result<Vec<Event>, DeployError> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .describe_stack_events()
            .stack_name(stack_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|err| aws_error("reading the stack's events", err))?;
        for event in page.stack_events() {
            let id = event.event_id().unwrap_or_default().to_owned();
            if seen.contains(&id) {
                return Ok(events);
            }
            let time = event
                .timestamp()
                .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
                .map(|t| t.get(11..19).unwrap_or(&t).to_owned())
                .unwrap_or_default();
            events.push(Event {
                id,
                time,
                logical_id: event.logical_resource_id().unwrap_or_default().to_owned(),
                kind: event.resource_type().unwrap_or_default().to_owned(),
                status: event
                    .resource_status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                reason: event.resource_status_reason().map(str::to_owned),
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(events);
        }
    }
}

/// The ids of the events the stack already has, so that only new ones are shown.
pub async fn current_event_ids(
    client: &Client,
    stack_id: &str,
) -> Result<HashSet<String>, DeployError> {
    Ok(new_events(client, stack_id, &HashSet::new())
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect())
}

/// Prints the stack's new events until it settles; returns the final status, its reason and
/// every event shown (oldest first). `expected` is how many resources change, for the count.
///
/// Settled means the stack itself logged a final status (right after `ExecuteChangeSet` an
/// update may still show the previous `UPDATE_COMPLETE`), or it is gone.
pub async fn watch(
    client: &Client,
    stack_name: &str,
    stack_id: &str,
    mut seen: HashSet<String>,
    expected: usize,
) -> Result<(String, Option<String>, Vec<Event>), DeployError> {
    /// Polls to wait for the stack's own final event once its status looks final: an
    /// emulator may not log one.
    const PATIENCE: usize = 15;
    let mut shown: Vec<Event> = Vec::new();
    let mut settled: HashSet<String> = HashSet::new();
    let mut ended = false;
    let mut final_polls = 0;
    loop {
        let state = describe(client, stack_id).await?;
        let mut events = new_events(client, stack_id, &seen).await?;
        events.reverse();
        for event in events {
            seen.insert(event.id.clone());
            let own = event.is_stack() && event.logical_id == stack_name;
            let done = !event.status.ends_with("_IN_PROGRESS");
            if own {
                ended = done;
            } else if done {
                settled.insert(event.logical_id.clone());
            }
            say(&event_line(&event, settled.len(), expected));
            shown.push(event);
        }
        let Some(state) = state else {
            return Ok(("DELETE_COMPLETE".to_owned(), None, shown));
        };
        if !state.status.ends_with("_IN_PROGRESS") {
            final_polls += 1;
            if ended || final_polls > PATIENCE {
                return Ok((state.status, state.reason, shown));
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

fn event_line(event: &Event, settled: usize, expected: usize) -> String {
    let reason = event
        .reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| format!("  {r}"))
        .unwrap_or_default();
    let progress = if expected > 0 {
        format!("[{}/{expected}] ", settled.min(expected))
    } else {
        String::new()
    };
    format!(
        "  {progress}{}  {:<28} {:<34} {}{reason}",
        event.time, event.status, event.kind, event.logical_id
    )
}

/// Whether a settled status is the one the operation wanted.
pub fn succeeded(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// What went wrong, from the events of a failed operation: the first resource that failed
/// (the cause; later failures are usually cancellations it caused) and what the rollback did.
pub fn failure_summary(
    stack_name: &str,
    status: &str,
    reason: Option<&str>,
    events: &[Event],
) -> String {
    let cause = events.iter().find(|e| {
        !e.is_stack()
            && e.status.ends_with("_FAILED")
            && e.reason
                .as_deref()
                .is_some_and(|r| !r.contains("cancelled"))
    });
    let mut text = match cause {
        Some(event) => format!(
            "{} ({}) {}: {}",
            event.logical_id,
            event.kind,
            event.status,
            event.reason.as_deref().unwrap_or_default()
        ),
        None => format!(
            "{stack_name} ended {status}: {}",
            reason.unwrap_or("CloudFormation gave no reason")
        ),
    };
    let rollback = match status {
        "ROLLBACK_COMPLETE" => {
            "\n  rollback: complete; the stack was never created and only its name is left (the next deploy deletes it first)"
        }
        "UPDATE_ROLLBACK_COMPLETE" => {
            "\n  rollback: complete; the stack is back to what it was before this deploy"
        }
        "ROLLBACK_FAILED" | "UPDATE_ROLLBACK_FAILED" => {
            "\n  rollback: FAILED; fix the resource named above (or delete it by hand), then run `aws cloudformation continue-update-rollback` or destroy the stack"
        }
        "DELETE_FAILED" => {
            "\n  the stack still exists; resolve the resource named above and destroy again"
        }
        _ => "",
    };
    text += rollback;
    text
}

/// Physical resource ids by logical id.
pub async fn physical_ids(
    client: &Client,
    stack_name: &str,
) -> Result<BTreeMap<String, String>, DeployError> {
    let output = client
        .describe_stack_resources()
        .stack_name(stack_name)
        .send()
        .await
        .map_err(|err| aws_error("listing the stack's resources", err))?;
    Ok(output
        .stack_resources()
        .iter()
        .filter_map(|r| {
            Some((
                r.logical_resource_id()?.to_owned(),
                r.physical_resource_id()?.to_owned(),
            ))
        })
        .collect())
}

/// Starts deleting a stack.
pub async fn delete(client: &Client, stack_id: &str) -> Result<(), DeployError> {
    client
        .delete_stack()
        .stack_name(stack_id)
        .send()
        .await
        .map(drop)
        .map_err(|err| aws_error("deleting the stack", err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(logical_id: &str, kind: &str, status: &str, reason: Option<&str>) -> Event {
        Event {
            id: format!("{logical_id}-{status}"),
            time: "12:00:00".into(),
            logical_id: logical_id.into(),
            kind: kind.into(),
            status: status.into(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn the_failure_names_the_first_failed_resource_and_the_rollback() {
        let events = [
            event(
                "S",
                "AWS::CloudFormation::Stack",
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event("Table", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS", None),
            event(
                "Fn",
                "AWS::Lambda::Function",
                "CREATE_FAILED",
                Some("Resource handler returned message: \"Memory size 99999 is invalid\""),
            ),
            event(
                "Table",
                "AWS::DynamoDB::Table",
                "CREATE_FAILED",
                Some("Resource creation cancelled"),
            ),
            event(
                "S",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                Some("The following resource(s) failed to create: [Fn, Table]."),
            ),
        ];
        let summary = failure_summary("S", "ROLLBACK_COMPLETE", None, &events);
        assert!(
            summary.starts_with("Fn (AWS::Lambda::Function) CREATE_FAILED: Resource handler returned message: \"Memory size 99999 is invalid\""),
            "{summary}"
        );
        assert!(summary.contains("rollback: complete"), "{summary}");
        let no_events = failure_summary("S", "UPDATE_ROLLBACK_FAILED", Some("why"), &[]);
        assert!(
            no_events.starts_with("S ended UPDATE_ROLLBACK_FAILED: why"),
            "{no_events}"
        );
        assert!(no_events.contains("rollback: FAILED"), "{no_events}");
    }

    #[test]
    fn changes_render_as_a_table_with_totals() {
        let change = |action: &str, id: &str, replacement: Option<&str>| Change {
            action: action.into(),
            logical_id: id.into(),
            kind: "AWS::S3::Bucket".into(),
            replacement: replacement.map(str::to_owned),
        };
        let text = render_changes(&[
            change("Add", "A", None),
            change("Modify", "B", Some("True")),
            change("Remove", "C", None),
        ]);
        assert_eq!(
            text,
            "  + AWS::S3::Bucket  A\n  ~ AWS::S3::Bucket  B  (replaced)\n  - AWS::S3::Bucket  C\n  1 to add, 1 to modify, 1 to remove\n"
        );
    }

    #[test]
    fn no_change_reasons_are_recognized() {
        assert!(is_no_change(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(!is_no_change("Template format error"));
    }
}
