//! Numbers as the report prints them: a few significant digits, no noise.

/// `value` with about four significant digits; scientific notation for very small or
/// very large magnitudes; "—" for a value that is not finite.
pub fn format(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs();
    if !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A coordinate in an SVG file: one decimal is finer than a pixel.
pub fn coordinate(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits_without_trailing_zeros() {
        assert_eq!(format(0.987654), "0.9877");
        assert_eq!(format(12.5), "12.5");
        assert_eq!(format(1234.5678), "1235");
        assert_eq!(format(-0.5), "-0.5");
        assert_eq!(format(1e-5), "1.000e-5");
        assert_eq!(format(f64::NAN), "—");
    }

    #[test]
    fn coordinates_have_one_decimal() {
        assert_eq!(coordinate(12.345), "12.3");
        assert_eq!(coordinate(7.0), "7");
    }
}
