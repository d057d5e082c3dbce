//! Number formatting for display.

/// Formats `value` with `decimals` places, or an em dash when not finite.
pub fn fixed(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        // Avoid printing "-0.0000".
        let rounded = format!("{value:.decimals$}");
        if rounded
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            rounded.trim_start_matches('-').to_string()
        } else {
            rounded
        }
    } else {
        "—".to_string()
    }
}

/// Formats a decimal as a percentage with `decimals` places.
pub fn percent(value: f64, decimals: usize) -> String {
    format!("{}%", fixed(value * 100.0, decimals))
}

/// Formats a large count with thousands separators.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats an operations-per-second rate in millions or thousands.
pub fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{} M/s", fixed(per_second / 1e6, 2))
    } else if per_second >= 1e3 {
        format!("{} k/s", fixed(per_second / 1e3, 2))
    } else {
        format!("{} /s", fixed(per_second, 2))
    }
}
