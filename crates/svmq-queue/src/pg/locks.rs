//! The advisory lock keys and the notification channel of one queue schema.
//!
//! What it does not do: take the locks; the queries in [`super::tasks`] and
//! [`super::leases`] do, inside their transactions.

/// Advisory lock keys and the notification channel, all derived from the schema so
/// that separate queues in one database never wait on each other.
#[derive(Debug, Clone)]
pub(super) struct LockKeys {
    pub(super) migrate: i64,
    pub(super) claim: i64,
    pub(super) submit: i64,
    pub(super) channel: String,
}

impl LockKeys {
    pub(super) fn new(schema: &str) -> Self {
        LockKeys {
            migrate: stable_key(&format!("svmq/migrate/{schema}")),
            claim: stable_key(&format!("svmq/claim/{schema}")),
            submit: stable_key(&format!("svmq/submit/{schema}")),
            channel: format!("svmq_{schema}"),
        }
    }
}

/// FNV-1a: the same 64-bit key in every process and every build.
fn stable_key(text: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_differ_per_schema() {
        assert_eq!(stable_key("svmq/claim/a"), stable_key("svmq/claim/a"));
        assert_ne!(LockKeys::new("a").claim, LockKeys::new("b").claim);
        assert_ne!(LockKeys::new("a").claim, LockKeys::new("a").submit);
    }
}
