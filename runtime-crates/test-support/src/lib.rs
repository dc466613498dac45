//! Test helpers: private moto servers (a local AWS emulator) for DynamoDB and Cognito, and
//! ([`tokens`]) Cognito-shaped tokens signed by test keys, with a JWKS server for them.
//!
//! Each `MotoDynamo` or `MotoCognito` owns its own `moto_server` process on a free loopback
//! port, so tests never share state and run in parallel; dropping it kills the process.
//! Clients carry dummy credentials, a region and the emulator's endpoint in their own
//! configuration, so nothing leaks into (or is read from) the environment of the machine.
//!
//! The server is found in this order: `$MOTO_SERVER`, `<workspace>/.venv/bin/moto_server`,
//! then `moto_server` on `PATH`. A missing server is a test failure, never a skip.

mod cognito;
mod dynamo;
mod moto;
mod tap;
pub mod tokens;

pub use cognito::{COGNITO_REGION, MotoCognito, SignedIn};
pub use dynamo::{
    MOTO_ACCOUNT, MOTO_REGION, MotoDynamo, TABLE_ARN, TABLE_NAME, TENANT_ROLE_ARN, create_pk_table,
};
pub use tap::{Capacity, CapacityTap};
