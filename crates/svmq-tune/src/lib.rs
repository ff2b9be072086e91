//! Model selection for svmq: metrics with their directions, the hyperparameter search
//! space, samplers (TPE, random, grid), and studies that run trials of
//! cross-validation with pruning or successive halving. It trains through `svmq-core`
//! and knows nothing of files or queues: data arrives as prepared folds, trials leave
//! through a callback.

#![warn(missing_docs)]

pub mod approximation;
pub mod evaluation;
pub mod halving;
pub mod metrics;
pub mod sampler;
pub mod space;
pub mod study;
