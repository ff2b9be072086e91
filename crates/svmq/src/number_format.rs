//! C's `%g` number formatting, which LIBSVM's tools use in the lines they print
//! (`Accuracy = 97.5% (195/200)`), so svmq prints the same text.

/// `value` formatted like C's `printf("%g")`: six significant digits, trailing zeros
/// removed, exponent form for very small or large magnitudes.
pub fn format_g(value: f64) -> String {
    const PRECISION: i32 = 6;
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Round to the precision first: the exponent after rounding decides the form.
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value);
    let (mantissa, exponent) = scientific.split_once('e').expect("exponent form");
    let exponent: i32 = exponent.parse().expect("integer exponent");
    if (-4..PRECISION).contains(&exponent) {
        let decimals = (PRECISION - 1 - exponent).max(0) as usize;
        strip_zeros(&format!("{value:.decimals$}")).to_string()
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip_zeros(mantissa), exponent.abs())
    }
}

fn strip_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn matches_printf_g() {
        assert_eq!(format_g(97.5), "97.5");
        assert_eq!(format_g(100.0), "100");
        assert_eq!(format_g(96.666666666), "96.6667");
        assert_eq!(format_g(0.000123456789), "0.000123457");
        assert_eq!(format_g(0.0000123456789), "1.23457e-05");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(999999.5), "1e+06");
        assert_eq!(format_g(0.0), "0");
        assert_eq!(format_g(-2.5), "-2.5");
    }
}
