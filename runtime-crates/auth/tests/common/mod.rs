//! Shared by the tests that sign their own tokens. The keys, claims and JWKS server live in
//! `todo_test_support::tokens` (todo-api's tests use them too); this adds the verifier.

#![allow(dead_code, unused_imports)] // each test binary uses a different part of this module

use todo_auth::{AuthConfig, TokenVerifier};
pub use todo_test_support::tokens::*;

/// A verifier for the test pool whose keys a [`JwksServer`] serves.
pub trait TestPool {
    /// What the verifier checks tokens against: the test pool, keys from this server.
    fn config(&self) -> AuthConfig;
    /// A verifier for the test pool that fetches its keys from this server.
    fn verifier(&self) -> TokenVerifier {
        TokenVerifier::new(self.config()).unwrap()
    }
}

impl TestPool for JwksServer {
    fn config(&self) -> AuthConfig {
        AuthConfig::cognito(REGION, POOL_ID, CLIENT_ID).with_jwks_url(&self.url)
    }
}
