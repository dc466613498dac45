//! Cognito sign-in for the todo API: verifies the caller's JWT and says who is calling.
//!
//! Deployed, API Gateway's Cognito authorizer checks the token before the Lambda runs. Run
//! locally there is no API Gateway, so this crate applies the same rules in the API itself,
//! against the user pool's (or the emulator's) JWKS:
//!
//! - the token is a JWS signed with **RS256** by a key of the pool's JWKS, found by `kid`
//!   (`alg: none`, HMAC and every other algorithm are refused);
//! - `exp` is in the future, and `nbf`/`iat` are not, with [`CLOCK_LEEWAY`] for clock skew;
//! - `iss` is the pool, `https://cognito-idp.<region>.amazonaws.com/<poolId>`;
//! - `token_use` is the one the API accepts, by default `id` (see [`TokenUse`] for why);
//! - the token was issued to the app client: `aud` for ID tokens, `client_id` for access
//!   tokens.
//!
//! [`TokenVerifier`] does the checking and caches the JWKS; [`Caller`] is the axum extractor
//! handlers take; [`AuthError`] is the JSON 401 (or 503) a failed check answers with;
//! [`AuthConfig`] reads `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID`, `AWS_REGION` and the
//! optional `COGNITO_JWKS_URL` from the environment.

mod config;
mod error;
mod extract;
mod jwks;
mod verify;

pub use config::{AuthConfig, ConfigError, TokenUse};
pub use error::AuthError;
pub use extract::Caller;
pub use jwks::MIN_REFETCH_INTERVAL;
pub use verify::{CLOCK_LEEWAY, TokenVerifier};
