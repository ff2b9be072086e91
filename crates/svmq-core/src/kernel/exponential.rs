//! Fast, branch-free exponentials for the rbf kernel: in f64 for prediction, rounded to
//! f32 or computed in f32 for kernel rows (which are cached in f32). Each states its
//! error bound; none handles NaN specially.

/// eˣ with a relative error below 1e-14, branch-free so that it vectorizes. x is
/// clamped to [−700, 700]: below, the result (under 1e-304) is as good as zero for
/// every use here.
///
/// eˣ = 2ᵏ·eʳ with k = round(x / ln 2) and r = x − k·ln 2 (|r| ≤ ln 2 / 2, with ln 2
/// split in two parts so that r is exact); eʳ is its Taylor series to degree 12 in
/// Horner form (remainder below 2e-16 on that interval); 2ᵏ is built from its bits.
#[inline(always)]
pub(super) fn fast_exp(x: f64) -> f64 {
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
pub(super) fn fast_exp_rounded<const FUSED: bool>(x: f64) -> f32 {
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
pub(super) fn fast_exp_single(x: f32) -> f32 {
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
}
