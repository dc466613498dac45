//! The todo domain: what todos and lists are, what input is valid, and the one error type
//! every layer returns.
//!
//! Nothing here knows about HTTP frameworks or databases, so the same rules hold for every
//! store and every host. The error type carries its HTTP status as a plain number for the
//! same reason.

mod error;
mod list;
mod tenant;
mod todo;

pub use error::ApiError;
pub use list::{
    AddMemberRequest, Email, ListName, ListNameRequest, ListRecord, ListStatus,
    MAX_LIST_NAME_CHARS, Member, Membership, Role, UserId,
};
pub use tenant::TenantId;
pub use todo::{
    CreateTodoRequest, MAX_TITLE_CHARS, NewTodo, Timestamp, Title, Todo, TodoId, TodoPatch,
    UpdateListTodoRequest, UpdateTodoRequest, VersionedTodo,
};
