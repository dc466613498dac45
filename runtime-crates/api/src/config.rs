//! Configuration from environment variables, read and checked once at startup.

use axum::http::HeaderValue;
use todo_auth::ConfigError;

/// The port the local host listens on when `PORT` is not set.
const DEFAULT_PORT: u16 = 3000;

/// Everything the API needs from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `TABLE_NAME` (required): the DynamoDB table holding the todos.
    pub table_name: String,
    /// `PORT` (default 3000): where the local host listens; unused in Lambda.
    pub port: u16,
    /// `ALLOWED_ORIGIN` (default `*`): the browser origins CORS lets call the API.
    pub allowed_origin: AllowedOrigin,
}

/// The origins allowed by CORS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigin {
    /// `*`: any origin (fine while the API has no sign-in).
    Any,
    /// Exactly these origins, e.g. `https://d1234.cloudfront.net`.
    List(Vec<HeaderValue>),
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table_name = lookup("TABLE_NAME")
            .filter(|name| !name.trim().is_empty())
            .ok_or(ConfigError::Missing {
                name: "TABLE_NAME",
                hint: "set it to the DynamoDB table of todos (the CDK app sets it in Lambda; \
                       the local runner sets it from the synthesized template)",
            })?;
        let port = match lookup("PORT") {
            None => DEFAULT_PORT,
            Some(value) => value.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "PORT",
                reason: "expected a TCP port number between 0 and 65535".to_owned(),
                value,
            })?,
        };
        let allowed_origin = match lookup("ALLOWED_ORIGIN") {
            None => AllowedOrigin::Any,
            Some(value) => parse_allowed_origin(&value).map_err(|reason| ConfigError::Invalid {
                name: "ALLOWED_ORIGIN",
                value: value.clone(),
                reason,
            })?,
        };
        Ok(Self {
            table_name,
            port,
            allowed_origin,
        })
    }
}

/// `*`, or a comma-separated list of `scheme://host[:port]` origins.
fn parse_allowed_origin(value: &str) -> Result<AllowedOrigin, String> {
    if value.trim() == "*" {
        return Ok(AllowedOrigin::Any);
    }
    let origins = value
        .split(',')
        .map(str::trim)
        .map(|origin| {
            let well_formed = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/');
            if !well_formed {
                return Err(format!(
                    "{origin:?} is not an origin like https://example.com (no trailing slash), \
                     and the value is not *"
                ));
            }
            HeaderValue::from_str(origin).map_err(|e| format!("{origin:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AllowedOrigin::List(origins))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_only_the_table_is_set() {
        let config = config(&[("TABLE_NAME", "todos")]).unwrap();
        assert_eq!(config.table_name, "todos");
        assert_eq!(config.port, 3000);
        assert_eq!(config.allowed_origin, AllowedOrigin::Any);
    }

    #[test]
    fn missing_table_name_says_what_to_do() {
        for vars in [&[][..], &[("TABLE_NAME", " ")][..]] {
            let message = config(vars).unwrap_err().to_string();
            assert!(message.contains("TABLE_NAME is not set"), "{message}");
            assert_eq!(format!("{:?}", config(vars).unwrap_err()), message);
        }
    }

    #[test]
    fn port_and_origins_are_parsed() {
        let config = config(&[
            ("TABLE_NAME", "t"),
            ("PORT", "8080"),
            (
                "ALLOWED_ORIGIN",
                "https://d1.cloudfront.net, http://localhost:5173",
            ),
        ])
        .unwrap();
        assert_eq!(config.port, 8080);
        assert_eq!(
            config.allowed_origin,
            AllowedOrigin::List(vec![
                HeaderValue::from_static("https://d1.cloudfront.net"),
                HeaderValue::from_static("http://localhost:5173"),
            ])
        );
    }

    #[test]
    fn bad_values_are_rejected_with_the_variable_name() {
        let port = config(&[("TABLE_NAME", "t"), ("PORT", "http")]).unwrap_err();
        assert!(port.to_string().contains("PORT=\"http\""), "{port}");
        for bad in ["example.com", "https://example.com/", ""] {
            let origin = config(&[("TABLE_NAME", "t"), ("ALLOWED_ORIGIN", bad)]).unwrap_err();
            assert!(origin.to_string().contains("ALLOWED_ORIGIN"), "{origin}");
        }
    }
}
