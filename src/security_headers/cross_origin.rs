//! The cross-origin isolation headers: COOP, CORP and COEP (helmet's allowed values).

use super::choice::Choice;

pub const OPENER_POLICY: Choice = Choice {
    header: "Cross-Origin-Opener-Policy",
    default: "same-origin",
    allowed: &[
        "same-origin",
        "same-origin-allow-popups",
        "noopener-allow-popups",
        "unsafe-none",
    ],
};

pub const RESOURCE_POLICY: Choice = Choice {
    header: "Cross-Origin-Resource-Policy",
    default: "same-origin",
    allowed: &["same-origin", "same-site", "cross-origin"],
};

/// Off unless configured (helmet ≥ 7: it broke cross-origin images for many sites);
/// `true` selects `require-corp` as in helmet.
pub const EMBEDDER_POLICY: Choice = Choice {
    header: "Cross-Origin-Embedder-Policy",
    default: "require-corp",
    allowed: &["require-corp", "credentialless", "unsafe-none"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helmet_values() {
        let cases: &[(Choice, &str, &str)] = &[
            (OPENER_POLICY, "noopener-allow-popups", "same-origin"),
            (RESOURCE_POLICY, "cross-origin", "same-origin"),
            (EMBEDDER_POLICY, "credentialless", "require-corp"),
        ];
        for (choice, other, default) in cases {
            assert_eq!(choice.default, *default);
            assert_eq!(choice.parse("p", other).unwrap(), *other);
            assert!(choice.parse("p", "require-cors").is_err());
        }
    }
}
