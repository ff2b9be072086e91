//! Messages about a training request's parameters, with each parameter named as a
//! typed [`Parameter`] rather than spelled: the CLI calls the number of trials
//! `--trials`, the MCP tools `n_trials`, and a message must speak the caller's
//! language. Each front end renders a [`ParameterMessage`] with its own names
//! ([`ParameterMessage::spelled`]); its `Display` uses the request's field names (the
//! MCP tools' names).
//!
//! What it does not do: check values (that is [`crate::request`]).

use std::fmt;

/// A parameter of a training request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    /// The task: classification or regression.
    Task,
    /// Trials of the search.
    Trials,
    /// Cross-validation folds.
    Folds,
    /// The share of rows held out for the test metrics.
    TestSize,
    /// Target columns of a regression.
    TargetDimension,
    /// The metric the search optimizes.
    ScoringMetric,
    /// Columns left out on request.
    ExcludeColumns,
    /// Columns kept as features on request.
    IncludeColumns,
    /// Trials evaluated at once.
    ParallelTrials,
    /// The positive class of binary metrics.
    PositiveLabel,
    /// Landmarks of the kernel approximation.
    Landmarks,
    /// Whether the RBF kernel is approximated.
    Approximation,
}

impl Parameter {
    /// The request's field name, as the MCP tools spell it: `n_trials`, `cv_folds`, ...
    pub fn request_name(self) -> &'static str {
        match self {
            Parameter::Task => "task_type",
            Parameter::Trials => "n_trials",
            Parameter::Folds => "cv_folds",
            Parameter::TestSize => "test_size",
            Parameter::TargetDimension => "target_dimension",
            Parameter::ScoringMetric => "scoring_metric",
            Parameter::ExcludeColumns => "exclude_columns",
            Parameter::IncludeColumns => "include_columns",
            Parameter::ParallelTrials => "parallel_trials",
            Parameter::PositiveLabel => "positive_label",
            Parameter::Landmarks => "landmarks",
            Parameter::Approximation => "approximation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Parameter(Parameter),
}

/// A message naming request parameters, rendered by each front end with its names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParameterMessage {
    parts: Vec<Part>,
}

impl ParameterMessage {
    /// A message starting with a parameter's name.
    pub fn about(parameter: Parameter) -> ParameterMessage {
        ParameterMessage::default().parameter(parameter)
    }

    /// Appends text.
    pub fn text(mut self, text: impl Into<String>) -> ParameterMessage {
        self.parts.push(Part::Text(text.into()));
        self
    }

    /// Appends a parameter's name.
    pub fn parameter(mut self, parameter: Parameter) -> ParameterMessage {
        self.parts.push(Part::Parameter(parameter));
        self
    }

    /// The message with each parameter spelled by `name`.
    pub fn spelled(&self, name: impl Fn(Parameter) -> String) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Parameter(parameter) => name(*parameter),
            })
            .collect()
    }
}

impl fmt::Display for ParameterMessage {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.spelled(|parameter| parameter.request_name().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_front_end_spells_the_parameters() {
        let message = ParameterMessage::about(Parameter::Trials)
            .text(" must be at most 5; lower ")
            .parameter(Parameter::Folds);
        assert_eq!(
            message.to_string(),
            "n_trials must be at most 5; lower cv_folds"
        );
        assert_eq!(
            message.spelled(|parameter| format!("<{parameter:?}>")),
            "<Trials> must be at most 5; lower <Folds>"
        );
    }
}
