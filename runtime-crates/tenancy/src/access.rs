//! Who may do what on a list: the caller's context on a tenant, and the owner/member rules.
//!
//! | action (route)                                   | owner | member          | no access |
//! |--------------------------------------------------|-------|-----------------|-----------|
//! | read the list (`GET /lists/{id}`)                | yes   | yes             | 404       |
//! | rename it (`PATCH /lists/{id}`)                  | yes   | 403             | 404       |
//! | delete it (`DELETE /lists/{id}`)                 | yes   | 403             | 404       |
//! | read todos (`GET …/todos`, `GET …/todos/{id}`)   | yes   | yes             | 404       |
//! | write todos (`POST`, `PATCH`, `DELETE` …/todos)  | yes   | yes             | 404       |
//! | list members (`GET …/members`)                   | yes   | yes             | 404       |
//! | share (`POST …/members`)                         | yes   | 403             | 404       |
//! | remove a member (`DELETE …/members/{userId}`)    | yes   | 403             | 404       |
//! | leave (`DELETE …/members/{own userId}`)          | 400 ¹ | yes             | 404       |
//!
//! ¹ The owner cannot leave their own list: it would be left without an owner. They delete
//! the list instead.
//!
//! "No access" is 404 rather than 403 for every route of a list, so that a caller cannot
//! learn whether a list they were not given exists. 403 is only for someone who can see the
//! list but may not do this to it.

use todo_auth::Caller;
use todo_domain::{ApiError, Membership, Role, TenantId, UserId};

/// Something a caller asks to do to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadList,
    RenameList,
    DeleteList,
    ReadTodos,
    WriteTodos,
    ListMembers,
    AddMember,
    /// Removing someone's access; `own` when the caller removes themselves (leaves).
    RemoveMember {
        own: bool,
    },
}

/// A signed-in caller on one list: who they are, which tenant, and their role there.
/// Only [`TenantContext::resolve`] makes one, so holding one means the caller has access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantContext {
    user: UserId,
    tenant: TenantId,
    role: Role,
}

impl TenantContext {
    /// The caller's context on `tenant`, given their entry for it in the list index (looked
    /// up by the caller's own user id). No entry means no access, answered as the list not
    /// existing.
    pub fn resolve(
        user: UserId,
        tenant: TenantId,
        entry: Option<Membership>,
    ) -> Result<Self, ApiError> {
        match entry {
            Some(entry) if entry.list_id == tenant => Ok(Self {
                user,
                tenant,
                role: entry.role,
            }),
            Some(entry) => Err(ApiError::internal(format!(
                "the list index entry for {} names list {}",
                tenant, entry.list_id
            ))),
            None => Err(list_not_found(&tenant)),
        }
    }

    /// The caller's user id.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// The list (tenant) the request works on.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The caller's role on the list.
    pub fn role(&self) -> Role {
        self.role
    }

    /// `Ok` if the caller's role allows `action` (see the table in this module's docs).
    pub fn authorize(&self, action: Action) -> Result<(), ApiError> {
        match (self.role, action) {
            (Role::Owner, Action::RemoveMember { own: true }) => Err(ApiError::validation(
                "the owner cannot leave their own list; delete the list instead",
            )),
            (Role::Owner, _) => Ok(()),
            (
                Role::Member,
                Action::ReadList
                | Action::ReadTodos
                | Action::WriteTodos
                | Action::ListMembers
                | Action::RemoveMember { own: true },
            ) => Ok(()),
            (Role::Member, denied) => Err(ApiError::Forbidden(format!(
                "only the list's owner may {}",
                match denied {
                    Action::RenameList => "rename it",
                    Action::DeleteList => "delete it",
                    Action::AddMember => "share it",
                    _ => "remove other members",
                }
            ))),
        }
    }
}

/// The caller's user id: the `sub` of their verified token.
pub fn caller_user_id(caller: &Caller) -> Result<UserId, ApiError> {
    // Cognito's subs are UUIDs; anything else means a misconfigured pool, not a bad request.
    UserId::new(caller.sub.as_str())
        .map_err(|_| ApiError::internal(format!("token sub {:?} is not a user id", caller.sub)))
}

/// The answer for a list that does not exist or that the caller may not see: the same
/// wording either way.
pub fn list_not_found(tenant: &TenantId) -> ApiError {
    ApiError::NotFound(format!("list {tenant} does not exist"))
}

#[cfg(test)]
mod tests {
    use todo_domain::{ListName, ListRecord};

    use super::*;

    fn context(role: Role) -> TenantContext {
        let owner = UserId::new("owner").unwrap();
        let list = ListRecord::create(ListName::parse("l").unwrap(), owner);
        let entry = Membership::of(&list, role);
        TenantContext::resolve(UserId::new("caller").unwrap(), list.id, Some(entry)).unwrap()
    }

    const EVERY_ACTION: [Action; 9] = [
        Action::ReadList,
        Action::RenameList,
        Action::DeleteList,
        Action::ReadTodos,
        Action::WriteTodos,
        Action::ListMembers,
        Action::AddMember,
        Action::RemoveMember { own: false },
        Action::RemoveMember { own: true },
    ];

    /// The table of the module docs, row by row: (action, owner's status, member's status).
    #[test]
    fn the_rules_table() {
        let expected = [
            (Action::ReadList, 200, 200),
            (Action::RenameList, 200, 403),
            (Action::DeleteList, 200, 403),
            (Action::ReadTodos, 200, 200),
            (Action::WriteTodos, 200, 200),
            (Action::ListMembers, 200, 200),
            (Action::AddMember, 200, 403),
            (Action::RemoveMember { own: false }, 200, 403),
            (Action::RemoveMember { own: true }, 400, 200),
        ];
        assert_eq!(expected.map(|row| row.0), EVERY_ACTION);
        let status = |result: Result<(), ApiError>| result.map_or_else(|e| e.status(), |()| 200);
        for (action, owner, member) in expected {
            assert_eq!(
                status(context(Role::Owner).authorize(action)),
                owner,
                "{action:?}"
            );
            assert_eq!(
                status(context(Role::Member).authorize(action)),
                member,
                "{action:?}"
            );
        }
    }

    #[test]
    fn no_index_entry_is_not_found_whatever_the_action() {
        let tenant = TenantId::generate();
        let error =
            TenantContext::resolve(UserId::new("u").unwrap(), tenant.clone(), None).unwrap_err();
        assert_eq!(error.status(), 404);
        assert_eq!(error.to_string(), list_not_found(&tenant).to_string());
    }

    #[test]
    fn an_entry_for_another_list_is_a_bug_not_access() {
        let entry = Membership::of(
            &ListRecord::create(ListName::parse("l").unwrap(), UserId::new("o").unwrap()),
            Role::Owner,
        );
        let error =
            TenantContext::resolve(UserId::new("o").unwrap(), TenantId::generate(), Some(entry))
                .unwrap_err();
        assert!(error.is_internal());
    }

    #[test]
    fn the_caller_is_their_token_sub() {
        let caller = Caller {
            sub: "4f1c2a2e-0000-4000-8000-000000000001".into(),
            email: None,
            username: "x".into(),
            tenants: None,
            tenants_truncated: None,
        };
        assert_eq!(caller_user_id(&caller).unwrap().as_str(), caller.sub);
        let odd = Caller {
            sub: "a#b".into(),
            ..caller
        };
        assert!(caller_user_id(&odd).unwrap_err().is_internal());
    }
}
