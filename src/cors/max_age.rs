//! `max_age` and `Access-Control-Max-Age`: absent = the mode's default, `null` =
//! not sent (the browser's default of 5 s applies), `0` = sent as `0` (no caching).

use crate::compile::ConfigError;
use crate::compile::Mode;

/// Browsers cap the preflight cache (Firefox at 24 h, Chromium at 2 h).
pub const BROWSER_CAP: i64 = 86_400;

fn default_for(mode: Mode) -> i64 {
    match mode {
        Mode::Production => 600,
        Mode::Development => 86_400,
    }
}

/// The header value, formatted once; `None` = send no `Access-Control-Max-Age`.
pub fn compile(
    raw: Option<Option<i64>>,
    mode: Mode,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ConfigError> {
    let seconds = match raw {
        None => default_for(mode),
        Some(None) => return Ok(None),
        Some(Some(s)) => s,
    };
    if seconds < 0 {
        return Err(ConfigError::new(
            path,
            seconds.to_string(),
            "max_age is a number of seconds, 0 or more (null sends no Access-Control-Max-Age)",
        ));
    }
    if seconds > BROWSER_CAP {
        warnings.push(format!(
            "{path}: {seconds}: browsers cap the preflight cache at {BROWSER_CAP} seconds or less; \
             a longer max_age only delays policy changes for clients that honour it"
        ));
    }
    Ok(Some(seconds.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let mut w = Vec::new();
        let p = Mode::Production;
        assert_eq!(compile(None, p, "m", &mut w), Ok(Some("600".into())));
        assert_eq!(compile(None, Mode::Development, "m", &mut w), Ok(Some("86400".into())));
        assert_eq!(compile(Some(None), p, "m", &mut w), Ok(None));
        assert_eq!(compile(Some(Some(0)), p, "m", &mut w), Ok(Some("0".into())));
        assert_eq!(compile(Some(Some(86_400)), p, "m", &mut w), Ok(Some("86400".into())));
        assert!(w.is_empty());
        assert_eq!(
            compile(Some(Some(86_401)), p, "cors.max_age", &mut w),
            Ok(Some("86401".into()))
        );
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("cors.max_age: 86401: browsers cap"), "{}", w[0]);
        let e = compile(Some(Some(-1)), p, "cors.max_age", &mut w)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("edge-shield: cors.max_age: -1: max_age is a number of seconds"),
            "{e}"
        );
    }
}
