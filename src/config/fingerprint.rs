//! What identifies one plugin configuration across the VMs of a proxy, so that the
//! load-time messages and counters happen once per configuration, not once per VM
//! (Envoy configures a VM per worker plus two on the main thread).

/// A key naming this plugin's configuration: the plugin name and a 64-bit FNV-1a hash
/// of the configuration's bytes (a changed configuration is a new key).
pub fn config_key(plugin: &str, configuration: &[u8]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = configuration
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    format!("edge_shield.loaded.{plugin}.{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_configuration_same_key_and_any_change_a_new_one() {
        // FNV-1a's published test vector: "a" -> af63dc4c8601ec8c.
        assert_eq!(config_key("p", b"a"), "edge_shield.loaded.p.af63dc4c8601ec8c");
        assert_eq!(config_key("p", b"{}"), config_key("p", b"{}"));
        assert_ne!(config_key("p", b"{}"), config_key("p", b"{ }"));
        assert_ne!(config_key("p", b"{}"), config_key("q", b"{}"));
    }
}
