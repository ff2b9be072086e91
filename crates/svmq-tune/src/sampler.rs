//! Samplers propose the parameters of the next trial: random (from the prior), grid
//! (a fixed lattice in a seeded order) and TPE, the Tree-structured Parzen Estimator
//! of Bergstra, Bardenet, Bengio & Kégl (NeurIPS 2011).
//!
//! TPE, per dimension and using only the finished trials that have that dimension:
//! split them by loss into a good group (the best γ(n) = min(⌈n/10⌉, 25)) and the
//! rest; fit a Parzen density to each (Gaussian components truncated to the range,
//! plus a wide prior component; categorical counts plus one); draw 24 candidates from
//! the good density and keep the one maximizing l(x) / g(x). Before 10 finished
//! trials it samples the prior. Gamma's rules `scale` and `auto` are tried with the
//! prior; once the numbers they stand for on the data are known, TPE models gamma as
//! one number and counts each rule trial at its number, so that a good rule leads the
//! search to good numbers nearby instead of capturing it. Every draw comes from a generator seeded by the study
//! seed and the trial number, so a study replays exactly, and resumes exactly.

use crate::space::{Gamma, GammaRuleValues, KernelName, Range, SearchSpace, TrialParams};
use serde::{Deserialize, Serialize};
use svmq_core::random::Random;

/// How a study proposes its trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SamplerKind {
    /// Tree-structured Parzen estimator.
    Tpe,
    /// Uniform random points of the space.
    Random,
    /// A grid over the space.
    Grid,
}

impl SamplerKind {
    /// Every sampler's name, as requests spell it.
    pub const NAMES: [&'static str; 3] = ["tpe", "random", "grid"];

    /// The sampler named `tpe`, `random` or `grid`.
    pub fn from_name(name: &str) -> Option<SamplerKind> {
        match name {
            "tpe" => Some(SamplerKind::Tpe),
            "random" => Some(SamplerKind::Random),
            "grid" => Some(SamplerKind::Grid),
            _ => None,
        }
    }
}

/// A finished trial as the sampler sees it: lower loss is better; pruned and failed
/// trials have `None` and count as the worst.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The trial's parameters.
    pub params: TrialParams,
    /// Its loss: the metric turned so that lower is better.
    pub loss: Option<f64>,
}

const STARTUP_TRIALS: usize = 10;
const CANDIDATES: usize = 24;

/// Proposes the parameters of trial `number`.
pub fn propose(
    kind: SamplerKind,
    space: &SearchSpace,
    history: &[Observation],
    seed: u64,
    number: usize,
) -> TrialParams {
    let mut random = Random::for_stream(seed, number as u64);
    match kind {
        SamplerKind::Grid => grid_point(space, seed, number),
        SamplerKind::Random => Sampler {
            space,
            history: &[],
            random: &mut random,
        }
        .draw(),
        SamplerKind::Tpe => {
            let finished = history.iter().filter(|o| o.loss.is_some()).count();
            let history = if finished < STARTUP_TRIALS {
                &[][..]
            } else {
                history
            };
            Sampler {
                space,
                history,
                random: &mut random,
            }
            .draw()
        }
    }
}

/// Draws one dimension after another; with an empty history every draw is from the
/// prior.
struct Sampler<'a> {
    space: &'a SearchSpace,
    history: &'a [Observation],
    random: &'a mut Random,
}

impl Sampler<'_> {
    fn draw(&mut self) -> TrialParams {
        let space = self.space;
        let kernels = if space.kernels.is_empty() {
            KernelName::ALL.to_vec()
        } else {
            space.kernels.clone()
        };
        let kernel = kernels[self.categorical(kernels.len(), |p| {
            kernels.iter().position(|k| *k == p.kernel)
        })];
        let c = self.continuous(space.c, |p| Some(p.c));
        let gamma = if kernel.uses_gamma() {
            match (space.gamma_rule_values, self.history.is_empty()) {
                (Some(rules), false) => Some(self.gamma_number(rules)),
                _ => self.gamma_with_rules(),
            }
        } else {
            None
        };
        let degree = (kernel == KernelName::Poly && !space.degrees.is_empty()).then(|| {
            space.degrees[self.categorical(space.degrees.len(), |p| {
                p.degree
                    .and_then(|d| space.degrees.iter().position(|&x| x == d))
            })]
        });
        let coef0 = kernel
            .uses_coef0()
            .then(|| self.continuous(space.coef0, |p| p.coef0));
        let epsilon = space
            .epsilon
            .map(|range| self.continuous(range, |p| p.epsilon));
        let balanced_class_weights = space.class_weights
            && self.categorical(2, |p| Some(usize::from(p.balanced_class_weights))) == 1;
        TrialParams {
            kernel,
            c,
            gamma,
            degree,
            coef0,
            epsilon,
            balanced_class_weights,
        }
    }

    /// Gamma as a rule (`scale`, `auto`) or a number, each a dimension of its own.
    fn gamma_with_rules(&mut self) -> Option<Gamma> {
        let space = self.space;
        let rule = if space.gamma_rules {
            self.categorical(3, |p| match (p.kernel.uses_gamma(), p.gamma) {
                (true, Some(Gamma::Scale)) => Some(0),
                (true, Some(Gamma::Auto)) => Some(1),
                (true, Some(Gamma::Value(_))) => Some(2),
                _ => None,
            })
        } else {
            2
        };
        Some(match rule {
            0 => Gamma::Scale,
            1 => Gamma::Auto,
            _ => Gamma::Value(self.continuous(space.gamma, |p| match p.gamma {
                Some(Gamma::Value(value)) => Some(value),
                _ => None,
            })),
        })
    }

    /// Gamma as one number: every trial that used gamma counts with the number its
    /// rule stood for, so the model can move away from `scale` and `auto` as freely
    /// as from any value. The rules themselves are tried while sampling the prior.
    fn gamma_number(&mut self, rules: GammaRuleValues) -> Gamma {
        Gamma::Value(self.continuous(self.space.gamma, |p| {
            p.kernel
                .uses_gamma()
                .then(|| p.gamma.map(|gamma| rules.number(gamma)))
                .flatten()
        }))
    }

    /// The finished trials that have this dimension, best first, split into the good
    /// and the bad group.
    fn split<T: Copy>(&self, value: impl Fn(&TrialParams) -> Option<T>) -> (Vec<T>, Vec<T>) {
        let mut observed: Vec<(f64, T)> = self
            .history
            .iter()
            .filter_map(|o| value(&o.params).map(|v| (o.loss.unwrap_or(f64::INFINITY), v)))
            .collect();
        observed.sort_by(|a, b| a.0.total_cmp(&b.0));
        let good = observed.len().div_ceil(10).clamp(1, 25).min(observed.len());
        let values: Vec<T> = observed.into_iter().map(|(_, v)| v).collect();
        let (good, bad) = values.split_at(good);
        (good.to_vec(), bad.to_vec())
    }

    fn categorical(
        &mut self,
        choices: usize,
        value: impl Fn(&TrialParams) -> Option<usize>,
    ) -> usize {
        let (good, bad) = self.split(value);
        if good.is_empty() || bad.is_empty() {
            return self.random.below(choices);
        }
        let weights = |group: &[usize]| {
            let mut counts = vec![1.0; choices];
            for &choice in group {
                counts[choice] += 1.0;
            }
            let total: f64 = counts.iter().sum();
            counts.into_iter().map(|c| c / total).collect::<Vec<f64>>()
        };
        let (good_weights, bad_weights) = (weights(&good), weights(&bad));
        let mut best = (f64::NEG_INFINITY, 0);
        for _ in 0..CANDIDATES {
            let choice = pick(&good_weights, self.random.unit());
            let ratio = good_weights[choice].ln() - bad_weights[choice].ln();
            if ratio > best.0 {
                best = (ratio, choice);
            }
        }
        best.1
    }

    fn continuous(&mut self, range: Range, value: impl Fn(&TrialParams) -> Option<f64>) -> f64 {
        let (low, high) = range.internal();
        let (good, bad) = self.split(|p| value(p).map(|v| range.to_internal(v)));
        if good.is_empty() || bad.is_empty() {
            return range.from_internal(low + (high - low) * self.random.unit());
        }
        let good = Parzen::new(&good, low, high);
        let bad = Parzen::new(&bad, low, high);
        let mut best = (f64::NEG_INFINITY, low);
        for _ in 0..CANDIDATES {
            let candidate = good.sample(self.random);
            let ratio = good.log_density(candidate) - bad.log_density(candidate);
            if ratio > best.0 {
                best = (ratio, candidate);
            }
        }
        range.from_internal(best.1)
    }
}

/// The index `u ∈ [0, 1)` falls on in the cumulative weights.
fn pick(weights: &[f64], u: f64) -> usize {
    let mut cumulative = 0.0;
    for (index, weight) in weights.iter().enumerate() {
        cumulative += weight;
        if u < cumulative {
            return index;
        }
    }
    weights.len() - 1
}

/// A mixture of equally weighted Gaussians truncated to [low, high]: one per
/// observation (bandwidth from the distance to its neighbours) and a wide prior one.
struct Parzen {
    means: Vec<f64>,
    widths: Vec<f64>,
    low: f64,
    high: f64,
}

impl Parzen {
    fn new(points: &[f64], low: f64, high: f64) -> Parzen {
        let span = high - low;
        let mut means: Vec<f64> = points.iter().map(|p| p.clamp(low, high)).collect();
        means.push((low + high) / 2.0);
        means.sort_by(f64::total_cmp);
        let minimum = span / (means.len() as f64 + 1.0).min(100.0);
        let widths = (0..means.len())
            .map(|k| {
                let left = if k == 0 {
                    means[k] - low
                } else {
                    means[k] - means[k - 1]
                };
                let right = if k + 1 == means.len() {
                    high - means[k]
                } else {
                    means[k + 1] - means[k]
                };
                left.max(right).clamp(minimum, span)
            })
            .collect::<Vec<_>>();
        // The prior component is as wide as the range.
        let prior = means
            .iter()
            .position(|&m| m == (low + high) / 2.0)
            .unwrap_or(0);
        let mut widths = widths;
        widths[prior] = span;
        Parzen {
            means,
            widths,
            low,
            high,
        }
    }

    fn sample(&self, random: &mut Random) -> f64 {
        let component = random.below(self.means.len());
        let (mean, width) = (self.means[component], self.widths[component]);
        for _ in 0..100 {
            let value = mean + width * standard_normal(random);
            if (self.low..=self.high).contains(&value) {
                return value;
            }
        }
        mean
    }

    fn log_density(&self, x: f64) -> f64 {
        let density: f64 = self
            .means
            .iter()
            .zip(&self.widths)
            .map(|(&mean, &width)| {
                let mass =
                    normal_cdf((self.high - mean) / width) - normal_cdf((self.low - mean) / width);
                let z = (x - mean) / width;
                (-0.5 * z * z).exp()
                    / (width * (2.0 * std::f64::consts::PI).sqrt() * mass.max(1e-12))
            })
            .sum::<f64>()
            / self.means.len() as f64;
        density.max(1e-300).ln()
    }
}

fn standard_normal(random: &mut Random) -> f64 {
    let u = random.unit().max(1e-300);
    let v = random.unit();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Φ(x) through erf, with the approximation 7.1.26 of Abramowitz & Stegun
/// (absolute error below 1.5e-7, plenty for comparing densities).
fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let polynomial = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - polynomial * (-z * z).exp();
    0.5 * (1.0 + if z >= 0.0 { erf } else { -erf })
}

/// The `number`-th point of a lattice over the space, in an order shuffled by `seed`.
fn grid_point(space: &SearchSpace, seed: u64, number: usize) -> TrialParams {
    let mut points = Vec::new();
    let costs = [1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3];
    let gammas = [
        Gamma::Scale,
        Gamma::Value(1e-3),
        Gamma::Value(1e-2),
        Gamma::Value(1e-1),
        Gamma::Value(1.0),
    ];
    let epsilons: Vec<Option<f64>> = match space.epsilon {
        Some(_) => vec![Some(0.01), Some(0.1)],
        None => vec![None],
    };
    let kernels = if space.kernels.is_empty() {
        KernelName::ALL.to_vec()
    } else {
        space.kernels.clone()
    };
    for &kernel in &kernels {
        for &c in &costs {
            let kernel_gammas: Vec<Option<Gamma>> = if kernel.uses_gamma() {
                gammas.iter().map(|&g| Some(g)).collect()
            } else {
                vec![None]
            };
            for &gamma in &kernel_gammas {
                for &epsilon in &epsilons {
                    points.push(TrialParams {
                        kernel,
                        c,
                        gamma,
                        degree: (kernel == KernelName::Poly).then_some(3),
                        coef0: kernel
                            .uses_coef0()
                            .then_some(if kernel == KernelName::Poly { 1.0 } else { 0.0 }),
                        epsilon,
                        balanced_class_weights: false,
                    });
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    Random::new(seed).shuffle(&mut order);
    points[order[number % points.len()]].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss_of(params: &TrialParams) -> f64 {
        // A bowl with its minimum at C = 10, gamma = 0.01 (log scale).
        let c = params.c.log10() - 1.0;
        let gamma = match params.gamma {
            Some(Gamma::Value(g)) => g.log10() + 2.0,
            _ => 3.0,
        };
        c * c + gamma * gamma
    }

    #[test]
    fn the_same_seed_gives_the_same_trials() {
        let space = SearchSpace::classification(KernelName::ALL.to_vec());
        let run = |seed| {
            let mut history = Vec::new();
            for number in 0..30 {
                let params = propose(SamplerKind::Tpe, &space, &history, seed, number);
                let loss = loss_of(&params);
                history.push(Observation {
                    params,
                    loss: Some(loss),
                });
            }
            history.into_iter().map(|o| o.params).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn trials_proposed_from_the_same_history_differ() {
        // A batch of parallel trials is proposed from one history; each trial must
        // get its own draws, or the batch repeats one point.
        let space = SearchSpace::classification(vec![KernelName::Rbf]);
        let mut history = Vec::new();
        for number in 0..20 {
            let params = propose(SamplerKind::Tpe, &space, &history, 3, number);
            let loss = loss_of(&params);
            history.push(Observation {
                params,
                loss: Some(loss),
            });
        }
        let batch: Vec<TrialParams> = (20..28)
            .map(|number| propose(SamplerKind::Tpe, &space, &history, 3, number))
            .collect();
        for (index, params) in batch.iter().enumerate() {
            for other in &batch[index + 1..] {
                assert_ne!(params.c, other.c, "two trials of one batch share C");
            }
        }
    }

    #[test]
    fn with_known_rule_values_tpe_learns_gamma_from_rule_trials() {
        // Trials with `auto` (here 0.1) scored well, numeric values far from it
        // badly: TPE proposes numbers, near what `auto` stood for.
        let space = SearchSpace {
            gamma_rule_values: Some(GammaRuleValues {
                scale: 0.1,
                auto: 0.1,
            }),
            ..SearchSpace::classification(vec![KernelName::Rbf])
        };
        let trial = |gamma, loss| Observation {
            params: TrialParams {
                kernel: KernelName::Rbf,
                c: 1.0,
                gamma: Some(gamma),
                degree: None,
                coef0: None,
                epsilon: None,
                balanced_class_weights: false,
            },
            loss: Some(loss),
        };
        let mut history = vec![trial(Gamma::Auto, 0.1), trial(Gamma::Scale, 0.1)];
        for k in 0..16 {
            let far = if k % 2 == 0 {
                -5.0 + k as f64 * 0.1
            } else {
                0.9
            };
            history.push(trial(Gamma::Value(10f64.powf(far)), 1.0));
        }
        let proposed: Vec<f64> = (18..58)
            .map(
                |number| match propose(SamplerKind::Tpe, &space, &history, 1, number).gamma {
                    Some(Gamma::Value(value)) => value.log10(),
                    other => panic!("expected a numeric gamma, got {other:?}"),
                },
            )
            .collect();
        let near = proposed.iter().filter(|&&g| (g + 1.0).abs() < 1.0).count();
        assert!(
            near * 2 > proposed.len(),
            "only {near} of {} proposals within a decade of 0.1",
            proposed.len()
        );
    }

    #[test]
    fn tpe_beats_random_search_on_a_bowl() {
        let space = SearchSpace {
            gamma_rules: false,
            ..SearchSpace::classification(vec![KernelName::Rbf])
        };
        let best_after = |kind, seed| {
            let mut history = Vec::new();
            for number in 0..60 {
                let params = propose(kind, &space, &history, seed, number);
                let loss = loss_of(&params);
                history.push(Observation {
                    params,
                    loss: Some(loss),
                });
            }
            history
                .iter()
                .map(|o| o.loss.unwrap())
                .fold(f64::INFINITY, f64::min)
        };
        let (mut tpe, mut random) = (0.0, 0.0);
        for seed in 1..=10 {
            tpe += best_after(SamplerKind::Tpe, seed);
            random += best_after(SamplerKind::Random, seed);
        }
        assert!(
            tpe < random * 0.7,
            "mean best loss: TPE {} vs random {}",
            tpe / 10.0,
            random / 10.0
        );
    }

    #[test]
    fn parameters_respect_the_kernel_and_the_ranges() {
        let space = SearchSpace::regression(KernelName::ALL.to_vec());
        let mut history = Vec::new();
        for number in 0..50 {
            let params = propose(SamplerKind::Tpe, &space, &history, 3, number);
            assert!((1e-3..=1e3).contains(&params.c));
            assert_eq!(params.gamma.is_some(), params.kernel.uses_gamma());
            assert_eq!(params.degree.is_some(), params.kernel == KernelName::Poly);
            assert_eq!(params.coef0.is_some(), params.kernel.uses_coef0());
            let epsilon = params.epsilon.expect("regression has epsilon");
            assert!((1e-4..=1.0).contains(&epsilon));
            assert!(!params.balanced_class_weights);
            history.push(Observation {
                loss: Some(params.c),
                params,
            });
        }
    }

    #[test]
    fn grid_points_are_distinct_until_the_grid_is_exhausted() {
        let space = SearchSpace::classification(vec![KernelName::Rbf]);
        let points: Vec<TrialParams> = (0..30)
            .map(|n| propose(SamplerKind::Grid, &space, &[], 1, n))
            .collect();
        for (a, first) in points.iter().enumerate() {
            for second in &points[a + 1..] {
                assert_ne!(first, second);
            }
        }
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.0) - 0.841_344_746).abs() < 1e-6);
        assert!((normal_cdf(-2.0) - 0.022_750_132).abs() < 1e-6);
    }
}
