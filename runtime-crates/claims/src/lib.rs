//! Tenant claims: which lists (tenants) a user is on, written into their Cognito ID token
//! when it is issued, so that the API usually need not look it up per request.
//!
//! - [`TenantClaims`] is the claim format, both ways: built from a user's list index
//!   ([`TenantClaims::newest`], at most [`MAX_TOKEN_TENANTS`] ids, newest first) and read
//!   back from a verified token ([`TenantClaims::parse`]).
//! - [`TokenTrigger`] is the pre-token-generation Lambda trigger: it takes Cognito's raw
//!   event (V1, or V2/V3 with access-token customization), reads the user's `USER#<sub>`
//!   index partition and answers the event with the claims added.
//!
//! A claim is a hint, never a grant: the API that finds the path's list in the claim opens
//! that list's partition early, but the caller's index entry still decides, so a member
//! removed after the token was issued is refused at once; a list that is not in the claim
//! (joined after sign-in, or cut by the bound) is looked up in the index as before.

mod claims;
mod trigger;

pub use claims::{MAX_TOKEN_TENANTS, TENANTS_CLAIM, TENANTS_TRUNCATED_CLAIM, TenantClaims};
pub use trigger::{TokenTrigger, TriggerError};
