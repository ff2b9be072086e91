//! A kernel bound to a training matrix: single values and whole or partial kernel rows
//! (rounded to f32, as the row cache stores them) for the solver, computed from the
//! data, an f32 copy of it, its feature-major layout or a Gram matrix. Does not cache
//! rows: see `cache`.

use super::dot_product::dot_four;
#[cfg(target_arch = "x86_64")]
use super::dot_product::dot_four_avx2;
use super::exponential::{fast_exp_rounded, fast_exp_single};
use super::feature_major::{FeatureMajor, SPAN};
use super::gram::GramRows;
use crate::matrix::{dot, Matrix};
use crate::params::Kernel;
use rayon::prelude::*;

/// Rows shorter than this are computed on the calling thread: below it, handing work
/// to other threads costs more than it saves.
const PARALLEL_ROW_LENGTH: usize = 2048;

/// Columns computed together: dot products first, then the kernel's non-linearity
/// over the whole block, which the compiler vectorizes.
const BLOCK: usize = 64;

/// Training matrices of at least this many bytes (in f64) get a copy in f32 that
/// kernel rows read their dot products from: each kernel row streams the whole
/// matrix, and beyond the processor's per-core cache that traffic, not arithmetic,
/// bounds the speed. The inputs are rounded to the precision kernel rows are cached
/// in; whole rows sum the products of each eight features in f32 and those sums in
/// f64 (see `feature_major`), everything else stays in f64.
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
    /// The training rows, in increasing order.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// How many training rows the set has.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether the set has no rows.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Whether the set carries its own feature-major copy of its rows.
    pub fn has_copy(&self) -> bool {
        self.copy.is_some()
    }
}

/// Without a Gram matrix, a kernel row needed at `c` of `n` columns is computed whole
/// (from the feature-major data) when `c · FULL_ROW_SHARE ≥ n`: a whole row costs
/// about a quarter of a partial one per value, and stays valid when the solver's
/// active set grows again.
const FULL_ROW_SHARE: usize = 4;

impl<'a> KernelMatrix<'a> {
    /// A kernel matrix that computes its dot products from `data`.
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

    /// Training rows: the length of a full kernel row.
    pub fn len(&self) -> usize {
        self.data.rows()
    }

    #[inline]
    fn single_row(&self, i: usize) -> &[f32] {
        let columns = self.data.columns();
        let single = self.single.as_deref().unwrap_or(&[]);
        &single[i * columns..(i + 1) * columns]
    }

    /// Whether the training matrix has no rows.
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

    /// For each row t of `targets`: `Σₙ weights[n] · k(x_t, column n)`, kernel values
    /// rounded to f32 as cached rows are, over the columns of `set` (which must carry its
    /// copy, `ColumnSet::has_copy`) or, for `None`, every row (dense weights; blocks of
    /// zeros skipped; needs the feature-major data, `prefers_full_row`). Each block of
    /// columns is read once for all targets.
    pub fn weighted_sums(
        &self,
        targets: &[usize],
        set: Option<&ColumnSet>,
        weights: &[f64],
        sums: &mut [f64],
    ) {
        let (columns, norms) = match set {
            Some(set) => {
                let (columns, norms) = set.copy.as_ref().expect("the set carries its copy");
                (columns, norms.as_slice())
            }
            None => (
                self.feature_major
                    .as_ref()
                    .expect("dense sums read the feature-major data"),
                self.padded_norms.as_slice(),
            ),
        };
        let targets: Vec<(usize, Vec<f64>)> = targets
            .iter()
            .map(|&t| (t, columns.row_values(self.data, t)))
            .collect();
        let mut values = [0f32; BLOCK];
        sums.fill(0.0);
        for (block, block_weights) in weights.chunks(BLOCK).enumerate() {
            if block_weights.iter().all(|&weight| weight == 0.0) {
                continue;
            }
            let values = &mut values[..block_weights.len()];
            for (sum, (target, x)) in sums.iter_mut().zip(&targets) {
                self.whole_block(*target, x, columns, norms, block * BLOCK, values);
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn weighted_sums_equal_sums_of_single_values() {
        let rows = 700;
        let values: Vec<f64> = (0..rows * 5)
            .map(|k| ((k * 7919) % 103) as f64 / 37.0 - 1.3)
            .collect();
        let data = Matrix::new(rows, 5, values).unwrap();
        let kernel = KernelMatrix::new(Kernel::Rbf { gamma: 0.2 }, &data);
        let columns: Vec<usize> = (0..rows).step_by(6).collect();
        let mut weights = vec![0.0; rows];
        columns.iter().for_each(|&j| weights[j] = (j as f64).cos());
        let set = kernel.column_set(columns.clone());
        assert!(set.has_copy());
        let set_weights: Vec<f64> = columns.iter().map(|&j| weights[j]).collect();
        let targets = [0, 5, 64, 699];
        let (mut sums, mut set_sums) = ([0.0; 4], [0.0; 4]);
        kernel.weighted_sums(&targets, None, &weights, &mut sums);
        kernel.weighted_sums(&targets, Some(&set), &set_weights, &mut set_sums);
        for ((&target, &sum), &set_sum) in targets.iter().zip(&sums).zip(&set_sums) {
            let expected: f64 = (0..rows)
                .map(|j| weights[j] * kernel.value(target, j) as f32 as f64)
                .sum();
            for value in [sum, set_sum] {
                assert!((value - expected).abs() <= 1e-5, "{value} vs {expected}");
            }
        }
    }
}
