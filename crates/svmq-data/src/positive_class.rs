//! Which class of a binary target is "positive" — the class precision, recall, F1 and
//! the ROC curve are about — chosen by the caller or by a stated rule.
//!
//! The rule, when the caller names none: a label spelled as a yes (`1`, `yes`, `y`,
//! `true`, `t`, `positive`, `pos`, ignoring case) against one that is not; else the
//! rarer class in the rows given (the event one usually looks for: a churn, a fraud,
//! a malignancy); on a tie, the class met second in the data.
//!
//! What it does not do: compute metrics (the service does, from the confusion matrix).

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::labels::LabelEncoder;

/// Spellings of a yes, compared ignoring ASCII case.
const YES_SPELLINGS: [&str; 7] = ["1", "yes", "y", "true", "t", "positive", "pos"];

/// The positive class of a binary target and why it is the one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositiveClass {
    /// The class label, spelled as in the data.
    pub label: String,
    /// Its index in the label encoder.
    pub index: usize,
    /// Whether the caller chose it.
    pub given: bool,
    /// Why, in a few words.
    pub reason: String,
}

/// The positive class of a two-class target: `given` when named (refused, listing the
/// labels, when it is none of them), else by the rule of the module docs with `counts`
/// the rows of each class. `None` when the target does not have two classes and no
/// label was given; a label given for such a target is refused.
pub fn positive_class(
    encoder: &LabelEncoder,
    counts: &[usize],
    given: Option<&str>,
) -> Result<Option<PositiveClass>, DataError> {
    let labels = encoder.classes();
    if labels.len() != 2 {
        return match given {
            None => Ok(None),
            Some(_) => Err(DataError::PositiveLabel {
                reason: format!(
                    "a positive label applies to a target of two classes; this one has {}",
                    labels.len()
                ),
            }),
        };
    }
    if let Some(label) = given {
        let index = encoder
            .encode(label)
            .or_else(|| labels.iter().position(|known| known.trim() == label.trim()))
            .ok_or_else(|| DataError::PositiveLabel {
                reason: format!(
                    "the positive label is not a class of the target; its classes are: {}",
                    labels
                        .iter()
                        .map(|label| format!("`{label}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        return Ok(Some(PositiveClass {
            label: labels[index].clone(),
            index,
            given: true,
            reason: "chosen".into(),
        }));
    }
    let is_yes = |label: &String| {
        YES_SPELLINGS
            .iter()
            .any(|yes| label.trim().eq_ignore_ascii_case(yes))
    };
    let (index, reason) = match (is_yes(&labels[0]), is_yes(&labels[1])) {
        (true, false) => (0, "the label that reads as a yes".to_string()),
        (false, true) => (1, "the label that reads as a yes".to_string()),
        _ => {
            let first = counts.first().copied().unwrap_or(0);
            let second = counts.get(1).copied().unwrap_or(0);
            if first < second {
                (
                    0,
                    format!("the rarer class ({first} of {} rows)", first + second),
                )
            } else if second < first {
                (
                    1,
                    format!("the rarer class ({second} of {} rows)", first + second),
                )
            } else {
                (
                    1,
                    "the classes are as frequent: the class met second".to_string(),
                )
            }
        }
    };
    Ok(Some(PositiveClass {
        label: labels[index].clone(),
        index,
        given: false,
        reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoder(labels: &[&str]) -> LabelEncoder {
        LabelEncoder::fit(labels.iter().copied())
    }

    #[test]
    fn the_default_is_a_yes_else_the_rarer_class() {
        let yes = positive_class(&encoder(&["yes", "no"]), &[10, 90], None)
            .unwrap()
            .unwrap();
        assert_eq!(yes.label, "yes");
        let rare = positive_class(&encoder(&["benign", "malignant"]), &[357, 212], None)
            .unwrap()
            .unwrap();
        assert_eq!((rare.label.as_str(), rare.given), ("malignant", false));
        assert!(rare.reason.contains("rarer"));
    }

    #[test]
    fn a_given_label_is_used_or_refused_listing_the_labels() {
        let chosen = positive_class(&encoder(&["a", "b"]), &[1, 1], Some("a"))
            .unwrap()
            .unwrap();
        assert_eq!((chosen.index, chosen.given), (0, true));
        let error = positive_class(&encoder(&["a", "b"]), &[1, 1], Some("c"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`a`, `b`"), "{error}");
        assert!(positive_class(&encoder(&["a", "b", "c"]), &[1, 1, 1], Some("a")).is_err());
        assert_eq!(
            positive_class(&encoder(&["a", "b", "c"]), &[1, 1, 1], None).unwrap(),
            None
        );
    }
}
