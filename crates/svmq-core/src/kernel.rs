//! Kernel evaluation: one value for prediction, whole rows for training.
//!
//! Every kernel is a function of the dot product `u·v` (and, for rbf, of the squared
//! norms): `‖u−v‖² = ‖u‖² + ‖v‖² − 2u·v`. Squared norms are computed once per data set,
//! so the hot loop is a sweep of dense dot products over contiguous rows.

use crate::control::FitControl;
use crate::feature_major::{FeatureMajor, SPAN};
use crate::matrix::{dot, Matrix};
use crate::params::Kernel;
use rayon::prelude::*;

/// Rows shorter than this are computed on the calling thread: below it, handing work
/// to other threads costs more than it saves.
const PARALLEL_ROW_LENGTH: usize = 2048;

impl Kernel {
    /// The kernel value from a dot product and the two squared norms.
    #[inline]
    pub fn from_dot(&self, dot_product: f64, left_norm: f64, right_norm: f64) -> f64 {
        match *self {
            Kernel::Linear => dot_product,
            Kernel::Polynomial {
                gamma,
                coef0,
                degree,
            } => power(gamma * dot_product + coef0, degree),
            Kernel::Rbf { gamma } => {
                fast_exp(-gamma * (left_norm + right_norm - 2.0 * dot_product))
            }
            Kernel::Sigmoid { gamma, coef0 } => (gamma * dot_product + coef0).tanh(),
        }
    }

    /// Kernel values from dot products, in place: `values[s]` holds uₛ·v on entry and
    /// k(uₛ, v) on return, with `norms[s] = ‖uₛ‖²` and `norm = ‖v‖²` (read by rbf
    /// only). The same numbers as `from_dot`, vectorized (AVX2 where available).
    pub fn from_dots(&self, values: &mut [f64], norms: &[f64], norm: f64) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor supports the features the function is compiled for.
                unsafe { from_dots_avx2(self, values, norms, norm) };
                return;
            }
        }
        from_dots_with(self, values, norms, norm);
    }

    /// k(u, v) for two rows (a shorter row is zero beyond its end).
    pub fn evaluate(&self, left: &[f64], right: &[f64]) -> f64 {
        let (left_norm, right_norm) = match self {
            Kernel::Rbf { .. } => (dot(left, left), dot(right, right)),
            _ => (0.0, 0.0),
        };
        self.from_dot(dot(left, right), left_norm, right_norm)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn from_dots_avx2(kernel: &Kernel, values: &mut [f64], norms: &[f64], norm: f64) {
    from_dots_with(kernel, values, norms, norm);
}

#[inline(always)]
fn from_dots_with(kernel: &Kernel, values: &mut [f64], norms: &[f64], norm: f64) {
    match *kernel {
        Kernel::Linear => {}
        Kernel::Rbf { gamma } => {
            for (slot, &other) in values.iter_mut().zip(norms) {
                *slot = fast_exp(-gamma * (norm + other - 2.0 * *slot));
            }
        }
        other => {
            for slot in values.iter_mut() {
                *slot = other.from_dot(*slot, 0.0, 0.0);
            }
        }
    }
}

/// `base^exponent` by repeated squaring, exact for small integer exponents.
#[inline]
fn power(base: f64, exponent: u32) -> f64 {
    let mut result = 1.0;
    let mut factor = base;
    let mut remaining = exponent;
    while remaining > 0 {
        if remaining & 1 == 1 {
            result *= factor;
        }
        factor *= factor;
        remaining >>= 1;
    }
    result
}

/// Columns computed together: dot products first, then the kernel's non-linearity
/// over the whole block, which the compiler vectorizes.
const BLOCK: usize = 64;

/// Every dot product `xᵢ·xⱼ` of a training matrix, computed once and shared by every
/// fit on (subsets of) that matrix: a hyperparameter search trains hundreds of models
/// on the same folds, and every kernel is a function of the dot products (rbf through
/// `‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ`), whatever gamma, C or degree a trial uses.
///
/// Products are summed in `f64` and stored in `f32`, the precision kernel rows are
/// cached in: reading them is bound by memory traffic, which this halves. Fits on a
/// Gram matrix take the squared norms from its diagonal, so that ‖xᵢ − xᵢ‖² stays
/// exactly 0. Takes `4·rows²` bytes: meant for data sets of a few thousand rows.
pub struct Gram {
    rows: usize,
    values: Vec<f32>,
}

impl Gram {
    /// Bytes a Gram matrix of `rows` rows takes.
    pub fn bytes_for(rows: usize) -> usize {
        rows.saturating_mul(rows)
            .saturating_mul(std::mem::size_of::<f32>())
    }

    /// Computes `X·Xᵀ` in parallel, with the same dot product as kernel rows.
    pub fn compute(data: &Matrix) -> Gram {
        Gram::compute_until_stopped(data, &FitControl::new())
            .expect("a computation without a stop flag is never stopped")
    }

    /// [`Gram::compute`], checking `control`'s stop flag before each row (a row is
    /// `rows × columns` multiplications); `None` when stopped.
    pub fn compute_until_stopped(data: &Matrix, control: &FitControl) -> Option<Gram> {
        let rows = data.rows();
        let mut values = vec![0f32; rows * rows];
        values
            .par_chunks_mut(rows.max(1))
            .enumerate()
            .for_each(|(i, out)| {
                if control.is_stopped() {
                    return;
                }
                for (j, slot) in out.iter_mut().enumerate() {
                    *slot = dot(data.row(i), data.row(j)) as f32;
                }
            });
        (!control.is_stopped()).then_some(Gram { rows, values })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// A Gram matrix seen through a subset of its rows: row `k` of the subset is row
/// `rows[k]` of `gram`, or row `k` itself without `rows`.
#[derive(Clone)]
pub struct GramRows<'a> {
    gram: &'a Gram,
    rows: Option<Vec<usize>>,
}

impl<'a> GramRows<'a> {
    /// The whole Gram matrix.
    pub fn all(gram: &'a Gram) -> GramRows<'a> {
        GramRows { gram, rows: None }
    }

    /// How many rows the subset has.
    pub fn len(&self) -> usize {
        self.rows.as_ref().map_or(self.gram.rows, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn source_row(&self, k: usize) -> usize {
        self.rows.as_ref().map_or(k, |rows| rows[k])
    }

    /// Row `k` of the subset over every column of the underlying matrix.
    #[inline]
    fn row_values(&self, k: usize) -> &[f32] {
        let gram = self.gram;
        let row = self.source_row(k);
        &gram.values[row * gram.rows..(row + 1) * gram.rows]
    }

    #[inline]
    fn value(&self, i: usize, j: usize) -> f64 {
        self.row_values(i)[self.source_row(j)] as f64
    }

    /// The subset made of rows `indices` of this subset.
    pub fn subset(&self, indices: &[usize]) -> GramRows<'a> {
        GramRows {
            gram: self.gram,
            rows: Some(indices.iter().map(|&k| self.source_row(k)).collect()),
        }
    }

    /// Writes the dot products of subset row `i` with subset rows `columns`.
    #[inline(always)]
    fn fill_dots(&self, i: usize, columns: &[usize], dots: &mut [f64]) {
        let row = self.row_values(i);
        match &self.rows {
            None => {
                for (slot, &j) in dots.iter_mut().zip(columns) {
                    *slot = row[j] as f64;
                }
            }
            Some(rows) => {
                for (slot, &j) in dots.iter_mut().zip(columns) {
                    *slot = row[rows[j]] as f64;
                }
            }
        }
    }
}

/// Training matrices of at least this many bytes (in f64) get a copy in f32 that
/// kernel rows read their dot products from: each kernel row streams the whole
/// matrix, and beyond the processor's per-core cache that traffic, not arithmetic,
/// bounds the speed. Products and sums stay in f64; only the stored inputs are
/// rounded, to the precision kernel rows are cached in.
const SINGLE_PRECISION_BYTES: usize = 4 << 20;

/// A kernel bound to a training matrix, with the squared norms precomputed.
pub struct KernelMatrix<'a> {
    kernel: Kernel,
    data: &'a Matrix,
    /// The f32 copy of `data`, row-major, for large matrices without a Gram matrix.
    single: Option<Vec<f32>>,
    norms: Vec<f64>,
    /// The data stored feature by feature, for whole rows (without a Gram matrix).
    feature_major: Option<FeatureMajor>,
    /// `norms` padded with zeros to the feature-major stride.
    padded_norms: Vec<f64>,
    all_columns: Vec<usize>,
    gram: Option<GramRows<'a>>,
}

/// Calls `fill(start, block)` for consecutive blocks of at most `BLOCK` values of
/// `out`, `start` being the block's offset in `out`; across the rayon pool when `out`
/// is long.
fn fill_by_blocks(out: &mut [f32], fill: impl Fn(usize, &mut [f32]) + Sync) {
    if out.len() < PARALLEL_ROW_LENGTH {
        for (block, values) in out.chunks_mut(BLOCK).enumerate() {
            fill(block * BLOCK, values);
        }
        return;
    }
    out.par_chunks_mut(BLOCK * 8)
        .enumerate()
        .for_each(|(piece, values)| {
            for (block, values) in values.chunks_mut(BLOCK).enumerate() {
                fill(piece * BLOCK * 8 + block * BLOCK, values);
            }
        });
}

/// Training rows as the columns of partial kernel rows (see `KernelMatrix::column_set`).
pub struct ColumnSet {
    indices: Vec<usize>,
    /// Their data feature by feature, and their squared norms padded to its stride.
    copy: Option<(FeatureMajor, Vec<f64>)>,
}

impl ColumnSet {
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Without a Gram matrix, a kernel row needed at `c` of `n` columns is computed whole
/// (from the feature-major data) when `c · FULL_ROW_SHARE ≥ n`: a whole row costs
/// about a quarter of a partial one per value, and stays valid when the solver's
/// active set grows again.
const FULL_ROW_SHARE: usize = 4;

impl<'a> KernelMatrix<'a> {
    pub fn new(kernel: Kernel, data: &'a Matrix) -> KernelMatrix<'a> {
        KernelMatrix::with_gram(kernel, data, None)
    }

    /// A kernel matrix that reads dot products from `gram` (whose rows must be the rows
    /// of `data`, in order) instead of computing them.
    pub fn with_gram(
        kernel: Kernel,
        data: &'a Matrix,
        gram: Option<GramRows<'a>>,
    ) -> KernelMatrix<'a> {
        let single = (gram.is_none()
            && std::mem::size_of_val(data.values()) >= SINGLE_PRECISION_BYTES)
            .then(|| {
                data.values()
                    .iter()
                    .map(|&v| v as f32)
                    .collect::<Vec<f32>>()
            });
        let norms = match (kernel, &gram, &single) {
            (Kernel::Rbf { .. }, Some(gram), _) => {
                (0..gram.len()).map(|k| gram.value(k, k)).collect()
            }
            (Kernel::Rbf { .. }, None, Some(single)) => single
                .chunks(data.columns().max(1))
                .map(|row| row.iter().map(|&v| v as f64 * v as f64).sum())
                .collect(),
            (Kernel::Rbf { .. }, None, None) => data.squared_norms(),
            _ => vec![0.0; data.rows()],
        };
        let all_columns: Vec<usize> = (0..data.rows()).collect();
        let feature_major = gram
            .is_none()
            .then(|| FeatureMajor::new(data, &all_columns, single.is_some()));
        let mut padded_norms = norms.clone();
        if let Some(feature_major) = &feature_major {
            padded_norms.resize(feature_major.stride(), 0.0);
        }
        KernelMatrix {
            kernel,
            data,
            single,
            norms,
            feature_major,
            padded_norms,
            all_columns,
            gram,
        }
    }

    /// The rows `indices` (in increasing order) as the columns of partial kernel
    /// rows: with their own feature-major copy when partial rows over them are
    /// computed (see `prefers_full_row`) and there is no Gram matrix.
    pub fn column_set(&self, indices: Vec<usize>) -> ColumnSet {
        let copy = (self.gram.is_none() && !self.prefers_full_row(indices.len())).then(|| {
            let feature_major = FeatureMajor::new(self.data, &indices, self.single.is_some());
            let mut norms: Vec<f64> = indices.iter().map(|&j| self.norms[j]).collect();
            norms.resize(feature_major.stride(), 0.0);
            (feature_major, norms)
        });
        ColumnSet { indices, copy }
    }

    /// Whether a row needed at `columns` columns is better computed whole.
    pub fn prefers_full_row(&self, columns: usize) -> bool {
        self.feature_major.is_some() && columns * FULL_ROW_SHARE >= self.len()
    }

    pub fn len(&self) -> usize {
        self.data.rows()
    }

    #[inline]
    fn single_row(&self, i: usize) -> &[f32] {
        let columns = self.data.columns();
        let single = self.single.as_deref().unwrap_or(&[]);
        &single[i * columns..(i + 1) * columns]
    }

    pub fn is_empty(&self) -> bool {
        self.data.rows() == 0
    }

    /// k(xᵢ, xⱼ).
    #[inline]
    pub fn value(&self, i: usize, j: usize) -> f64 {
        let dot_product = match (&self.gram, &self.single) {
            (Some(gram), _) => gram.value(i, j),
            (None, Some(_)) => dot_four(self.single_row(i), [self.single_row(j); 4])[0],
            (None, None) => dot(self.data.row(i), self.data.row(j)),
        };
        self.kernel
            .from_dot(dot_product, self.norms[i], self.norms[j])
    }

    /// Writes k(xᵢ, xⱼ) into `row[j]` for every `j` of `set`; other entries are left
    /// as they are. Long rows are split across the rayon pool: values are computed into
    /// a dense buffer, then scattered (cheap next to computing them).
    pub fn fill_row(&self, i: usize, set: &ColumnSet, row: &mut [f32]) {
        let columns = set.indices();
        let mut values = vec![0f32; columns.len()];
        match &set.copy {
            Some((feature_major, norms)) => {
                let x = feature_major.row_values(self.data, i);
                fill_by_blocks(&mut values, |start, out| {
                    self.whole_block(i, &x, feature_major, norms, start, out)
                });
            }
            None => fill_by_blocks(&mut values, |start, out| {
                self.compute_block(i, &columns[start..start + out.len()], out)
            }),
        }
        for (&j, value) in columns.iter().zip(values) {
            row[j] = value;
        }
    }

    /// Writes k(xᵢ, xⱼ) into `out[n]` for the n-th column j of `columns`, on the
    /// calling thread.
    pub fn fill_values(&self, i: usize, columns: &[usize], out: &mut [f32]) {
        for (out, chunk) in out.chunks_mut(BLOCK).zip(columns.chunks(BLOCK)) {
            self.compute_block(i, chunk, out);
        }
    }

    /// Writes k(xᵢ, xⱼ) for every j, in parallel when the row is long.
    pub fn fill_full_row(&self, i: usize, row: &mut [f32]) {
        match &self.feature_major {
            Some(feature_major) => {
                let x = feature_major.row_values(self.data, i);
                fill_by_blocks(row, |start, out| {
                    self.whole_block(i, &x, feature_major, &self.padded_norms, start, out)
                });
            }
            None => fill_by_blocks(row, |start, out| {
                self.compute_block(i, &self.all_columns[start..start + out.len()], out)
            }),
        }
    }

    /// For each row t of `targets`: `Σⱼ weights[j] · k(x_t, xⱼ)` over every row j
    /// (dense weights, zero for rows that do not count), with kernel values rounded to
    /// f32 as cached rows are; from the feature-major data, which must exist
    /// (`prefers_full_row`). Each block of columns is read once for all targets.
    pub fn dense_weighted_sums(&self, targets: &[usize], weights: &[f64], sums: &mut [f64]) {
        let feature_major = self
            .feature_major
            .as_ref()
            .expect("dense sums read the feature-major data");
        let targets: Vec<(usize, Vec<f64>)> = targets
            .iter()
            .map(|&t| (t, feature_major.row_values(self.data, t)))
            .collect();
        let mut values = [0f32; BLOCK];
        sums.fill(0.0);
        for (block, block_weights) in weights.chunks(BLOCK).enumerate() {
            if block_weights.iter().all(|&weight| weight == 0.0) {
                continue;
            }
            let values = &mut values[..block_weights.len()];
            for (sum, (target, x)) in sums.iter_mut().zip(&targets) {
                let start = block * BLOCK;
                self.whole_block(*target, x, feature_major, &self.padded_norms, start, values);
                for (weight, &value) in block_weights.iter().zip(values.iter()) {
                    *sum += weight * value as f64;
                }
            }
        }
    }

    /// k(xᵢ, column n) into `out[n − start]` for the columns from `start` of
    /// `columns` (feature-major data) with squared norms `norms`; `x` holds row i's
    /// values as `FeatureMajor::row_values` gives them.
    fn whole_block(
        &self,
        i: usize,
        x: &[f64],
        columns: &FeatureMajor,
        norms: &[f64],
        start: usize,
        out: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor supports the features the function is compiled for.
                unsafe { self.whole_block_avx2(i, x, columns, norms, start, out) };
                return;
            }
        }
        self.whole_block_with::<false>(i, x, norms, start, out, |x, start, dots| {
            columns.dots(x, start, dots)
        });
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn whole_block_avx2(
        &self,
        i: usize,
        x: &[f64],
        columns: &FeatureMajor,
        norms: &[f64],
        start: usize,
        out: &mut [f32],
    ) {
        self.whole_block_with::<true>(i, x, norms, start, out, |x, start, dots| {
            // SAFETY: this function only runs where AVX2 and FMA are available.
            unsafe { columns.dots_avx2(x, start, dots) }
        });
    }

    /// `FUSED`: the exponential's polynomial uses fused multiply-adds (AVX2 and FMA).
    #[inline(always)]
    fn whole_block_with<const FUSED: bool>(
        &self,
        i: usize,
        x: &[f64],
        norms: &[f64],
        start: usize,
        out: &mut [f32],
        dots_of: impl Fn(&[f64], usize, &mut [f64; SPAN]),
    ) {
        let mut dots = [0f64; BLOCK];
        for (span, dots) in dots.chunks_exact_mut(SPAN).enumerate() {
            if span * SPAN >= out.len() {
                break;
            }
            let dots: &mut [f64; SPAN] = dots.try_into().expect("SPAN values");
            dots_of(x, start + span * SPAN, dots);
        }
        let length = out.len();
        self.apply_kernel::<FUSED>(i, &norms[start..start + length], &dots[..length], out);
    }

    /// k(xᵢ, xⱼ) for the (at most `BLOCK`) columns `j`, using AVX2 and FMA when the
    /// processor has them.
    fn compute_block(&self, i: usize, columns: &[usize], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor supports the features the function is compiled for.
                unsafe { self.compute_block_avx2(i, columns, out) };
                return;
            }
        }
        self.compute_block_portable(i, columns, out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn compute_block_avx2(&self, i: usize, columns: &[usize], out: &mut [f32]) {
        self.compute_block_with::<true>(
            i,
            columns,
            out,
            |x, rows| {
                // SAFETY: this function only runs where AVX2 and FMA are available.
                unsafe { dot_four_avx2(x, rows) }
            },
            |x, rows| {
                // SAFETY: as above.
                unsafe { dot_four_avx2(x, rows) }
            },
        );
    }

    fn compute_block_portable(&self, i: usize, columns: &[usize], out: &mut [f32]) {
        self.compute_block_with::<false>(i, columns, out, dot_four, dot_four);
    }

    /// The block computation, with the four-row dot product as a parameter so that
    /// each instruction set gets its own.
    #[inline(always)]
    fn compute_block_with<const FUSED: bool>(
        &self,
        i: usize,
        columns: &[usize],
        out: &mut [f32],
        dot_four: impl Fn(&[f64], [&[f64]; 4]) -> [f64; 4],
        dot_four_single: impl Fn(&[f32], [&[f32]; 4]) -> [f64; 4],
    ) {
        let mut dots = [0f64; BLOCK];
        let dots = &mut dots[..columns.len()];
        if let Some(gram) = &self.gram {
            gram.fill_dots(i, columns, dots);
        } else if self.single.is_some() {
            self.compute_dots_single(i, columns, dots, dot_four_single);
        } else {
            self.compute_dots(i, columns, dots, dot_four);
        }
        let mut norms = [0f64; BLOCK];
        for (norm, &j) in norms.iter_mut().zip(columns) {
            *norm = self.norms[j];
        }
        self.apply_kernel::<FUSED>(i, &norms[..columns.len()], dots, out);
    }

    #[inline(always)]
    fn compute_dots(
        &self,
        i: usize,
        columns: &[usize],
        dots: &mut [f64],
        dot_four: impl Fn(&[f64], [&[f64]; 4]) -> [f64; 4],
    ) {
        let x = self.data.row(i);
        let mut groups = columns.chunks_exact(4);
        let mut slots = dots.chunks_exact_mut(4);
        for (group, slot) in (&mut groups).zip(&mut slots) {
            let rows = [
                self.data.row(group[0]),
                self.data.row(group[1]),
                self.data.row(group[2]),
                self.data.row(group[3]),
            ];
            slot.copy_from_slice(&dot_four(x, rows));
        }
        for (slot, &j) in slots.into_remainder().iter_mut().zip(groups.remainder()) {
            *slot = dot(x, self.data.row(j));
        }
    }

    #[inline(always)]
    fn compute_dots_single(
        &self,
        i: usize,
        columns: &[usize],
        dots: &mut [f64],
        dot_four: impl Fn(&[f32], [&[f32]; 4]) -> [f64; 4],
    ) {
        let x = self.single_row(i);
        let mut groups = columns.chunks_exact(4);
        let mut slots = dots.chunks_exact_mut(4);
        for (group, slot) in (&mut groups).zip(&mut slots) {
            let rows = [
                self.single_row(group[0]),
                self.single_row(group[1]),
                self.single_row(group[2]),
                self.single_row(group[3]),
            ];
            slot.copy_from_slice(&dot_four(x, rows));
        }
        for (slot, &j) in slots.into_remainder().iter_mut().zip(groups.remainder()) {
            *slot = dot_four(x, [self.single_row(j); 4])[0];
        }
    }

    /// Turns dot products of row i with columns of squared norms `norms` (read by rbf
    /// only) into kernel values; `FUSED` as in `fast_exp_rounded`.
    #[inline(always)]
    fn apply_kernel<const FUSED: bool>(
        &self,
        i: usize,
        norms: &[f64],
        dots: &[f64],
        out: &mut [f32],
    ) {
        match self.kernel {
            Kernel::Linear => {
                for (slot, &value) in out.iter_mut().zip(dots.iter()) {
                    *slot = value as f32;
                }
            }
            Kernel::Rbf { gamma } => {
                let norm = self.norms[i];
                let mut exponents = [0f64; BLOCK];
                for ((exponent, &value), &other) in exponents.iter_mut().zip(dots.iter()).zip(norms)
                {
                    *exponent = -gamma * (norm + other - 2.0 * value);
                }
                if self.gram.is_some() {
                    // Dot products from a Gram matrix are already rounded to f32:
                    // the exponential in f32 loses no more.
                    let mut single = [0f32; BLOCK];
                    for (single, &exponent) in single.iter_mut().zip(exponents.iter()) {
                        *single = exponent as f32;
                    }
                    for (slot, &exponent) in out.iter_mut().zip(single.iter()) {
                        *slot = fast_exp_single(exponent);
                    }
                } else {
                    // The f64 value rounded once, as LIBSVM caches it.
                    for (slot, &exponent) in out.iter_mut().zip(exponents.iter()) {
                        *slot = fast_exp_rounded::<FUSED>(exponent);
                    }
                }
            }
            kernel => {
                for (slot, &value) in out.iter_mut().zip(dots.iter()) {
                    *slot = kernel.from_dot(value, 0.0, 0.0) as f32;
                }
            }
        }
    }
}

/// k(x, rowᵣ) for every row of `rows`, in f64, with AVX2 and FMA when the processor
/// has them: prediction's kernel values. `row_norms` are the rows' squared norms (read
/// by rbf only). `x` may be longer or shorter than the rows: missing values are zero.
pub fn kernel_values_against(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports the features the function is compiled for.
            unsafe { kernel_values_against_avx2(kernel, x, rows, row_norms, out) };
            return;
        }
    }
    kernel_values_against_with(kernel, x, rows, row_norms, out, dot_four);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel_values_against_avx2(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
) {
    kernel_values_against_with(kernel, x, rows, row_norms, out, |x, rows| {
        // SAFETY: this function only runs where AVX2 and FMA are available.
        unsafe { dot_four_avx2(x, rows) }
    });
}

#[inline(always)]
fn kernel_values_against_with(
    kernel: &Kernel,
    x: &[f64],
    rows: &Matrix,
    row_norms: &[f64],
    out: &mut [f64],
    dot_four: impl Fn(&[f64], [&[f64]; 4]) -> [f64; 4],
) {
    let length = x.len().min(rows.columns());
    let x_norm = match kernel {
        Kernel::Rbf { .. } => dot(x, x),
        _ => 0.0,
    };
    let prefix = &x[..length];
    let count = rows.rows();
    let mut start = 0;
    while start + 4 <= count {
        let group = [
            &rows.row(start)[..length],
            &rows.row(start + 1)[..length],
            &rows.row(start + 2)[..length],
            &rows.row(start + 3)[..length],
        ];
        out[start..start + 4].copy_from_slice(&dot_four(prefix, group));
        start += 4;
    }
    for (r, slot) in out.iter_mut().enumerate().take(count).skip(start) {
        *slot = dot(prefix, &rows.row(r)[..length]);
    }
    from_dots_with(kernel, out, row_norms, x_norm);
}

/// The dot products of `x` with four rows of the same length, computed together: the
/// four independent sums keep the multiply-add units busy and `x` is loaded once.
/// Values stored in f32 are widened: products and sums are always in f64.
#[inline(always)]
fn dot_four<T: Copy + Into<f64>>(x: &[T], rows: [&[T]; 4]) -> [f64; 4] {
    let length = x.len();
    let rows = rows.map(|row| &row[..length]);
    let mut sums = [[0.0f64; 4]; 4];
    let chunks = length / 4 * 4;
    let mut k = 0;
    while k < chunks {
        for (sum, row) in sums.iter_mut().zip(&rows) {
            for (lane, slot) in sum.iter_mut().enumerate() {
                *slot += x[k + lane].into() * row[k + lane].into();
            }
        }
        k += 4;
    }
    let mut totals = [0.0; 4];
    for ((total, sum), row) in totals.iter_mut().zip(&sums).zip(&rows) {
        *total = (sum[0] + sum[2]) + (sum[1] + sum[3]);
        for k in chunks..length {
            *total += x[k].into() * row[k].into();
        }
    }
    totals
}

/// Values that AVX2 loads four at a time as f64 lanes.
#[cfg(target_arch = "x86_64")]
pub(crate) trait FourLanes: Copy + Into<f64> {
    /// # Safety
    /// Four values are readable from `pointer`; only in functions compiled with `avx2`.
    unsafe fn load_four(pointer: *const Self) -> std::arch::x86_64::__m256d;
}

#[cfg(target_arch = "x86_64")]
impl FourLanes for f64 {
    #[inline(always)]
    unsafe fn load_four(pointer: *const f64) -> std::arch::x86_64::__m256d {
        // SAFETY: the caller's contract.
        unsafe { std::arch::x86_64::_mm256_loadu_pd(pointer) }
    }
}

#[cfg(target_arch = "x86_64")]
impl FourLanes for f32 {
    #[inline(always)]
    unsafe fn load_four(pointer: *const f32) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::*;
        // SAFETY: the caller's contract.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(pointer)) }
    }
}

/// `dot_four` with AVX2 vectors and fused multiply-adds: one 4-lane accumulator per
/// row, so the four sums proceed independently.
///
/// # Safety
/// Only for functions compiled with `avx2` and `fma` (on processors that have them):
/// it is inlined into them so that its loop runs without a call per four rows.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dot_four_avx2<T: FourLanes>(x: &[T], rows: [&[T]; 4]) -> [f64; 4] {
    use std::arch::x86_64::*;
    let length = x.len();
    let rows = [
        &rows[0][..length],
        &rows[1][..length],
        &rows[2][..length],
        &rows[3][..length],
    ];
    let chunks = length / 4 * 4;
    let mut sums = [_mm256_setzero_pd(); 4];
    let mut k = 0;
    while k < chunks {
        // SAFETY: k + 4 ≤ length, and every row has `length` values.
        let xv = unsafe { T::load_four(x.as_ptr().add(k)) };
        for (sum, row) in sums.iter_mut().zip(&rows) {
            let rv = unsafe { T::load_four(row.as_ptr().add(k)) };
            *sum = _mm256_fmadd_pd(xv, rv, *sum);
        }
        k += 4;
    }
    let mut totals = [0.0; 4];
    for ((total, sum), row) in totals.iter_mut().zip(&sums).zip(&rows) {
        let mut lanes = [0.0f64; 4];
        // SAFETY: `lanes` holds four f64.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), *sum) };
        *total = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
        for k in chunks..length {
            *total += x[k].into() * row[k].into();
        }
    }
    totals
}

/// eˣ with a relative error below 1e-14, branch-free so that it vectorizes. x is
/// clamped to [−700, 700]: below, the result (under 1e-304) is as good as zero for
/// every use here.
///
/// eˣ = 2ᵏ·eʳ with k = round(x / ln 2) and r = x − k·ln 2 (|r| ≤ ln 2 / 2, with ln 2
/// split in two parts so that r is exact); eʳ is its Taylor series to degree 12 in
/// Horner form (remainder below 2e-16 on that interval); 2ᵏ is built from its bits.
#[inline(always)]
fn fast_exp(x: f64) -> f64 {
    let (r, scale) = reduce_exponent(x);
    let mut series = 1.0 / 479_001_600.0;
    for divisor in [
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
        1.0,
    ] {
        series = series * r + 1.0 / divisor;
    }
    series * scale
}

/// x = k·ln 2 + r, for the exponentials: returns r and 2ᵏ, with x clamped to
/// [−700, 700].
#[inline(always)]
fn reduce_exponent(x: f64) -> (f64, f64) {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    const LN2_HIGH: f64 = 0.693_147_180_369_123_8;
    const LN2_LOW: f64 = 1.908_214_929_270_587_7e-10;
    // Adding 1.5·2⁵² rounds to an integer held in the low bits of the mantissa.
    const ROUNDER: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-700.0, 700.0);
    let shifted = x * LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (x - k * LN2_HIGH) - k * LN2_LOW;
    // The low bits of `shifted` hold k + 2⁵¹; move k + 1023 into the exponent field.
    let bits = (shifted.to_bits().wrapping_add(1023).wrapping_sub(1 << 51)) << 52;
    (r, f64::from_bits(bits))
}

/// eˣ rounded to single precision, for kernel rows (cached in f32): `fast_exp` with
/// the Taylor series cut at degree 8 (remainder below 3e-10 relative, far under
/// f32's 6e-8 rounding unit), four multiply-adds fewer for each value of a row.
/// `FUSED`: Horner's steps as fused multiply-adds, for functions compiled with FMA
/// (one instruction instead of two, and one rounding).
#[inline(always)]
fn fast_exp_rounded<const FUSED: bool>(x: f64) -> f32 {
    let (r, scale) = reduce_exponent(x);
    let mut series: f64 = 1.0 / 40_320.0;
    for divisor in [5_040.0, 720.0, 120.0, 24.0, 6.0, 2.0, 1.0, 1.0] {
        series = if FUSED {
            series.mul_add(r, 1.0 / divisor)
        } else {
            series * r + 1.0 / divisor
        };
    }
    (series * scale) as f32
}

/// eˣ in single precision, for kernel rows (cached in f32): the method of `fast_exp`
/// in f32 arithmetic, so that one AVX2 instruction works on eight values. ln 2 is
/// split so that k·ln2_high is exact for every k reached; the Taylor series of eʳ to
/// degree 7 leaves a remainder below 5e-9 relative on |r| ≤ ln 2 / 2, and rounding
/// adds a few units of f32's last place. Below −87 (e⁻⁸⁷ ≈ 1.6e-38, f32's smallest
/// normal number) the result is 0.
#[inline(always)]
fn fast_exp_single(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    // Adding 1.5·2²³ rounds to an integer held in the low bits of the mantissa.
    const ROUNDER: f32 = 12_582_912.0;
    let clamped = x.clamp(-87.0, 87.0);
    let shifted = clamped * LOG2_E + ROUNDER;
    let k = shifted - ROUNDER;
    let r = (clamped - k * LN2_HIGH) - k * LN2_LOW;
    let mut series = 1.0 / 5_040.0;
    for divisor in [720.0, 120.0, 24.0, 6.0, 2.0, 1.0, 1.0] {
        series = series * r + 1.0 / divisor;
    }
    // The low bits of `shifted` hold k + 2²²; move k + 127 into the exponent field.
    let scale = f32::from_bits((shifted.to_bits().wrapping_add(127).wrapping_sub(1 << 22)) << 23);
    if x < -87.0 {
        0.0
    } else {
        series * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounded_exponential_is_accurate() {
        for step in 0..20_000 {
            let x = -60.0 + step as f64 * 0.003;
            let expected = x.exp();
            for value in [fast_exp_rounded::<false>(x), fast_exp_rounded::<true>(x)] {
                let relative = (value as f64 - expected).abs() / expected;
                // f32 rounding (6e-8) plus the truncated series.
                assert!(relative < 6.5e-8, "e^{x}: relative error {relative}");
            }
        }
        assert_eq!(fast_exp_rounded::<false>(0.0), 1.0);
        assert_eq!(fast_exp_rounded::<true>(-1e6), 0.0);
    }

    #[test]
    fn single_precision_exponential_is_accurate() {
        let mut worst: f64 = 0.0;
        for step in 0..60_000 {
            let x = -86.9 + step as f32 * 0.0015;
            let expected = (x as f64).exp();
            let relative = (fast_exp_single(x) as f64 - expected).abs() / expected;
            worst = worst.max(relative);
        }
        // A few units of f32's last place (1.2e-7).
        assert!(worst < 4e-7, "relative error {worst}");
        assert_eq!(fast_exp_single(0.0), 1.0);
        assert_eq!(fast_exp_single(-87.5), 0.0);
        assert_eq!(fast_exp_single(-1e6), 0.0);
        assert!((fast_exp_single(87.0) as f64 / 87f64.exp() - 1.0).abs() < 4e-7);
    }

    #[test]
    fn batched_kernel_values_equal_single_ones() {
        let kernels = [
            Kernel::Linear,
            Kernel::Rbf { gamma: 0.7 },
            Kernel::Polynomial {
                gamma: 0.5,
                coef0: 1.0,
                degree: 3,
            },
            Kernel::Sigmoid {
                gamma: 0.1,
                coef0: -0.5,
            },
        ];
        let dots: Vec<f64> = (0..37).map(|k| (k as f64 * 0.37).sin() * 3.0).collect();
        let norms: Vec<f64> = (0..37).map(|k| 4.0 + (k as f64 * 0.11).cos()).collect();
        for kernel in kernels {
            let mut values = dots.clone();
            kernel.from_dots(&mut values, &norms, 5.5);
            for k in 0..dots.len() {
                let single = kernel.from_dot(dots[k], norms[k], 5.5);
                assert!(
                    (values[k] - single).abs() <= 1e-15 * single.abs().max(1.0),
                    "{kernel:?} at {k}: {} vs {single}",
                    values[k]
                );
            }
        }
    }

    #[test]
    fn kernels_follow_libsvm_parameterization() {
        let u = [1.0, 2.0];
        let v = [3.0, -1.0];
        assert_eq!(Kernel::Linear.evaluate(&u, &v), 1.0);
        let poly = Kernel::Polynomial {
            gamma: 0.5,
            coef0: 1.0,
            degree: 3,
        };
        assert!((poly.evaluate(&u, &v) - 1.5f64.powi(3)).abs() < 1e-12);
        let rbf = Kernel::Rbf { gamma: 0.1 };
        assert!((rbf.evaluate(&u, &v) - (-0.1f64 * 13.0).exp()).abs() < 1e-12);
        let sigmoid = Kernel::Sigmoid {
            gamma: 0.5,
            coef0: -1.0,
        };
        assert!((sigmoid.evaluate(&u, &v) - (-0.5f64).tanh()).abs() < 1e-12);
    }

    #[test]
    fn fast_exponential_is_accurate() {
        let mut x: f64 = -120.0;
        while x <= 5.0 {
            let expected = x.exp();
            let relative = (fast_exp(x) - expected).abs() / expected;
            assert!(relative < 1e-14, "exp({x}): relative error {relative}");
            x += 0.0137;
        }
        assert_eq!(fast_exp(0.0), 1.0);
        assert!(fast_exp(-1e6) < 1e-300);
    }

    #[test]
    fn large_matrices_read_an_f32_copy_within_its_precision() {
        let (rows, columns) = (11_000, 48);
        let values: Vec<f64> = (0..rows * columns)
            .map(|k| ((k * 7919) % 1013) as f64 / 300.0 - 1.5)
            .collect();
        let data = Matrix::new(rows, columns, values).unwrap();
        for kernel in [Kernel::Rbf { gamma: 0.05 }, Kernel::Linear] {
            let matrix = KernelMatrix::new(kernel, &data);
            assert!(matrix.single.is_some(), "{} bytes", rows * columns * 8);
            let mut row = vec![0f32; rows];
            matrix.fill_full_row(17, &mut row);
            for j in (0..rows).step_by(7) {
                let exact = kernel.evaluate(data.row(17), data.row(j));
                let scale = match kernel {
                    Kernel::Linear => {
                        dot(data.row(17), data.row(17)).max(dot(data.row(j), data.row(j)))
                    }
                    _ => exact.abs(),
                };
                assert!(
                    (row[j] as f64 - exact).abs() <= 1e-6 * scale.max(1e-30),
                    "{kernel:?} at {j}: {} vs {exact}",
                    row[j]
                );
            }
        }
    }

    #[test]
    fn rows_agree_with_single_values_in_parallel_and_serial_paths() {
        let rows = 3000;
        let values: Vec<f64> = (0..rows * 3)
            .map(|k| ((k * 7919) % 101) as f64 / 50.0)
            .collect();
        let data = Matrix::new(rows, 3, values).unwrap();
        let kernel = KernelMatrix::new(Kernel::Rbf { gamma: 0.3 }, &data);
        let mut full = vec![0f32; rows];
        kernel.fill_full_row(5, &mut full);
        let columns: Vec<usize> = (0..rows).step_by(1).collect();
        let mut partial = vec![0f32; rows];
        kernel.fill_row(5, &kernel.column_set(columns), &mut partial);
        for j in 0..rows {
            let expected = kernel.value(5, j);
            assert!((full[j] as f64 - expected).abs() <= 1e-7 * expected.abs().max(1e-30));
            assert_eq!(partial[j], full[j]);
        }
    }

    #[test]
    fn dense_weighted_sums_equal_sums_of_single_values() {
        let rows = 700;
        let values: Vec<f64> = (0..rows * 5)
            .map(|k| ((k * 7919) % 103) as f64 / 37.0 - 1.3)
            .collect();
        let data = Matrix::new(rows, 5, values).unwrap();
        let kernel = KernelMatrix::new(Kernel::Rbf { gamma: 0.2 }, &data);
        let weights: Vec<f64> = (0..rows)
            .map(|j| if j % 3 == 0 { (j as f64).cos() } else { 0.0 })
            .collect();
        let targets = [0, 5, 64, 699];
        let mut sums = [0.0; 4];
        kernel.dense_weighted_sums(&targets, &weights, &mut sums);
        for (&target, &sum) in targets.iter().zip(&sums) {
            let expected: f64 = (0..rows)
                .map(|j| weights[j] * kernel.value(target, j) as f32 as f64)
                .sum();
            assert!((sum - expected).abs() <= 1e-5, "{sum} vs {expected}");
        }
    }
}
