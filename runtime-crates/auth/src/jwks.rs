//! The user pool's public signing keys: fetched from the JWKS URL once, cached, and fetched
//! again only when a token names a key the cache does not know (Cognito rotated its keys).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, Uri};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tokio::time::Instant;

use crate::AuthError;

/// The default shortest time between two refetches caused by unknown key ids.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// How long one JWKS download may take before the request that needed it gets a 503.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// A JWKS is a few kilobytes; anything much larger is not one.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The RSA keys of the pool, by key id.
type KeySet = HashMap<String, Arc<DecodingKey>>;

/// A cached JWKS and the means to refresh it. Shared by every request.
pub(crate) struct KeyCache {
    url: Uri,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    min_refetch_interval: Duration,
    /// The keys of the last successful fetch; `None` until one succeeded. A std lock: it is
    /// only held to clone an `Arc`, never across an `.await`.
    keys: RwLock<Option<KeySet>>,
    /// Serialises fetches (so a burst of requests with a new `kid` makes one download) and
    /// remembers when the last one was attempted.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

impl KeyCache {
    /// A cache that will fetch from `url`; nothing is fetched yet.
    pub(crate) fn new(url: &str, min_refetch_interval: Duration) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("the JWKS URL {url:?} is not a URL: {e}"))?;
        let connector = match uri.scheme_str() {
            // The platform's CA certificates: on Lambda those of Amazon Linux.
            Some("https") => HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                .map_err(|e| format!("cannot load CA certificates to fetch {url}: {e}"))?,
            // A plain-HTTP emulator needs no certificates; do not fail on a machine that has
            // none.
            Some("http") => HttpsConnectorBuilder::new().with_tls_config(
                rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::aws_lc_rs::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("cannot set up TLS: {e}"))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
            ),
            _ => return Err(format!("the JWKS URL {url:?} is not an http(s) URL")),
        }
        .https_or_http()
        .enable_http1()
        .build();
        Ok(Self {
            url: uri,
            client: Client::builder(TokioExecutor::new()).build(connector),
            min_refetch_interval,
            keys: RwLock::new(None),
            last_fetch: tokio::sync::Mutex::new(None),
        })
    }

    /// The key named `kid`, fetching the JWKS if it has never been fetched or does not
    /// contain `kid` (and the last fetch is older than the refetch interval).
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut last_fetch = self.last_fetch.lock().await;
        // Another request may have fetched the keys while this one waited for the lock.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let have_keys = self.has_keys();
        // Until a fetch has succeeded every request may try (a 503 is not cached); after
        // that, unknown key ids may trigger at most one fetch per interval.
        if have_keys
            && let Some(at) = *last_fetch
            && at.elapsed() < self.min_refetch_interval
        {
            return Err(AuthError::Invalid("unknown signing key"));
        }
        *last_fetch = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(url = %self.url, kids = ?keys.keys().collect::<Vec<_>>(), "fetched the JWKS");
                let key = keys.get(kid).cloned();
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(keys);
                key.ok_or(AuthError::Invalid("unknown signing key"))
            }
            // The keys we have are still good; only this token's key is unknown.
            Err(cause) if have_keys => {
                tracing::warn!(url = %self.url, cause = %cause, "refetching the JWKS failed");
                Err(AuthError::Invalid("unknown signing key"))
            }
            Err(cause) => Err(AuthError::KeysUnavailable(cause)),
        }
    }

    /// Fetches the JWKS now, e.g. at startup, so that a wrong URL shows up before the first
    /// request.
    pub(crate) async fn refresh(&self) -> Result<(), AuthError> {
        let mut last_fetch = self.last_fetch.lock().await;
        *last_fetch = Some(Instant::now());
        let keys = self.fetch().await.map_err(AuthError::KeysUnavailable)?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Some(keys);
        Ok(())
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.as_ref()?.get(kid).cloned()
    }

    fn has_keys(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let body = tokio::time::timeout(FETCH_TIMEOUT, self.download())
            .await
            .map_err(|_| format!("GET {} took longer than {FETCH_TIMEOUT:?}", self.url))??;
        parse_jwks(&body).map_err(|e| format!("GET {}: {e}", self.url))
    }

    async fn download(&self) -> Result<Bytes, String> {
        let request = Request::get(self.url.clone())
            .header("accept", "application/json")
            .body(Empty::new())
            .map_err(|e| format!("cannot build a request for {}: {e}", self.url))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("GET {} failed: {e}", self.url))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("GET {} answered {status}", self.url));
        }
        Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map(|body| body.to_bytes())
            .map_err(|e| format!("reading the body of GET {} failed: {e}", self.url))
    }
}

/// The parts of a JWK this verifier uses. Unknown members are ignored, so a JWKS that also
/// lists, say, an EC key still yields its RSA keys.
#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

/// The RS256 signing keys of a JWKS document, by `kid`.
fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let jwks: Jwks =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not a JWKS: {e}"))?;
    let mut keys = KeySet::new();
    for jwk in jwks.keys {
        let usable = jwk.kty == "RSA"
            && jwk.alg.as_deref().is_none_or(|alg| alg == "RS256")
            && jwk
                .key_use
                .as_deref()
                .is_none_or(|key_use| key_use == "sig");
        let (true, Some(kid), Some(n), Some(e)) = (usable, jwk.kid, jwk.n, jwk.e) else {
            continue;
        };
        match DecodingKey::from_rsa_components(&n, &e) {
            Ok(key) => {
                keys.insert(kid, Arc::new(key));
            }
            Err(error) => tracing::warn!(kid, %error, "skipping a malformed key of the JWKS"),
        }
    }
    if keys.is_empty() {
        return Err("the JWKS contains no RSA signing key with a kid".to_owned());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rsa_signing_keys_with_a_kid_are_kept() {
        let body = br#"{"keys": [
            {"kid": "a", "kty": "RSA", "alg": "RS256", "use": "sig", "n": "sXch", "e": "AQAB"},
            {"kid": "b", "kty": "RSA", "alg": "RS256", "use": "enc", "n": "sXch", "e": "AQAB"},
            {"kid": "c", "kty": "RSA", "alg": "RS512", "n": "sXch", "e": "AQAB"},
            {"kid": "d", "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "n": "sXch", "e": "AQAB"},
            {"kid": "f", "kty": "RSA", "n": "sXch", "e": "AQAB", "x5c": ["ignored"]}
        ]}"#;
        let mut kids: Vec<_> = parse_jwks(body).unwrap().into_keys().collect();
        kids.sort();
        assert_eq!(kids, ["a", "f"]);
    }

    #[test]
    fn a_document_without_usable_keys_is_an_error() {
        assert!(parse_jwks(br#"{"keys": []}"#).is_err());
        assert!(parse_jwks(b"<html>").is_err());
    }

    #[test]
    fn urls_must_be_http_or_https() {
        assert!(KeyCache::new("ftp://example.com/jwks.json", MIN_REFETCH_INTERVAL).is_err());
        assert!(KeyCache::new("not a url", MIN_REFETCH_INTERVAL).is_err());
    }
}
