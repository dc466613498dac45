//! The shape of `steps.yaml` as written, with source locations kept for error messages.
//!
//! Every field is optional where inheritance may fill it in; `resolve` turns these into the
//! complete, validated `StepSpec`s.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{Architecture, Auth, Packaging, Tenancy};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCourse {
    pub course: RawCourseInfo,
    pub steps: Spanned<Vec<RawStep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCourseInfo {
    pub title: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: Spanned<String>,
    #[serde(default)]
    pub extends: Option<Spanned<String>>,
    pub folder: Spanned<String>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub features: Option<Spanned<RawFeatures>>,
    pub lesson: Spanned<String>,
}

/// A step's feature delta: only the keys it sets change the inherited features.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeatures {
    pub tenancy: Option<Spanned<Tenancy>>,
    pub auth: Option<Spanned<Auth>>,
    pub signup: Option<Spanned<bool>>,
    pub sharing: Option<Spanned<bool>>,
    pub tenant_claims: Option<Spanned<bool>>,
    pub metering: Option<Spanned<bool>>,
    pub events: Option<Spanned<bool>>,
    pub packaging: Option<Spanned<Packaging>>,
    pub architecture: Option<Spanned<Architecture>>,
}
