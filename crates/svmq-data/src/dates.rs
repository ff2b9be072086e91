//! Dates and times in a column: recognizing the format a whole column is written in,
//! and reading a cell of it as days since 1970-01-01 (UTC), from which the numeric
//! features of a date come (days, year, month, day of the week).
//!
//! The formats, each required of every non-missing cell of a column:
//! - ISO 8601: `YYYY-MM-DD`, optionally a time (`T` or a space, `HH:MM`, seconds and
//!   fractions optional) and an offset (`Z`, `+HH:MM`, `+HHMM`), read as UTC;
//! - `DD.MM.YYYY`;
//! - `DD/MM/YYYY` and `MM/DD/YYYY` (one or two digits each, an optional time): a first
//!   number above 12 in some cell makes the column day-first, a second above 12
//!   month-first; when no cell decides, month-first is assumed and said;
//! - Unix seconds: a numeric column whose name says so (a word `ts`, `timestamp`,
//!   `epoch`, `unix`) and whose values all fall between 1973 and 2100.
//!
//! Days since 1970 are computed with the proleptic Gregorian calendar: the count of
//! days before a year is 365·y + ⌊y/4⌋ − ⌊y/100⌋ + ⌊y/400⌋ for years counted from
//! March (so that the leap day ends a year), shifted so that 1970-01-01 is 0.
//!
//! What it does not do: decide that a column is a feature ([`crate::roles`]) or fit
//! anything ([`crate::preprocess`] imputes and scales the derived values per fold).

use serde::{Deserialize, Serialize};

use crate::table::Cell;

/// How a date column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `YYYY-MM-DD`, optionally with a time and an offset.
    Iso,
    /// `MM/DD/YYYY`, optionally with a time.
    MonthDayYear,
    /// `DD/MM/YYYY`, optionally with a time.
    DayMonthYear,
    /// `DD.MM.YYYY`, optionally with a time.
    DayMonthYearDotted,
    /// Seconds since 1970-01-01 UTC.
    UnixSeconds,
}

impl DateFormat {
    /// The format as messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            DateFormat::Iso => "ISO 8601",
            DateFormat::MonthDayYear => "MM/DD/YYYY",
            DateFormat::DayMonthYear => "DD/MM/YYYY",
            DateFormat::DayMonthYearDotted => "DD.MM.YYYY",
            DateFormat::UnixSeconds => "Unix seconds",
        }
    }

    /// A cell of a column in this format as days since 1970-01-01 (a fraction for the
    /// time of day); `None` when the cell is not such a date.
    pub fn days(self, cell: &Cell) -> Option<f64> {
        match (self, cell) {
            (DateFormat::UnixSeconds, Cell::Number { value, .. }) => Some(value / SECONDS_PER_DAY),
            (DateFormat::UnixSeconds, _) => None,
            (_, Cell::Text(text)) => self.parse(text).map(|moment| moment.days()),
            _ => None,
        }
    }

    fn parse(self, text: &str) -> Option<Moment> {
        match self {
            DateFormat::Iso => parse_iso(text),
            DateFormat::MonthDayYear => {
                let (first, second, year, rest) = split_date(text, '/')?;
                Moment::new(year, first, second, rest)
            }
            DateFormat::DayMonthYear => {
                let (first, second, year, rest) = split_date(text, '/')?;
                Moment::new(year, second, first, rest)
            }
            DateFormat::DayMonthYearDotted => {
                let (first, second, year, rest) = split_date(text, '.')?;
                Moment::new(year, second, first, rest)
            }
            DateFormat::UnixSeconds => None,
        }
    }
}

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Unix seconds a timestamp column's values must lie within: 1973-03-03 to 2100-01-01.
/// Outside, a number named `ts` is more likely a duration or a count than a moment.
const UNIX_SECONDS_RANGE: (f64, f64) = (1e8, 4_102_444_800.0);

/// The words of a column name that say it holds Unix seconds.
const UNIX_NAME_WORDS: [&str; 4] = ["ts", "timestamp", "epoch", "unix"];

/// The numeric features of a date: what [`derived`] returns, in order.
pub const DERIVED_NAMES: [&str; 4] = ["days", "year", "month", "weekday"];

/// Days since 1970, year, month (1–12) and day of the week (0 Monday to 6 Sunday).
pub fn derived(days: f64) -> [f64; 4] {
    let whole = days.floor() as i64;
    let (year, month, _) = civil_from_days(whole);
    let weekday = (whole + 3).rem_euclid(7);
    [days, year as f64, month as f64, weekday as f64]
}

/// The format every non-missing cell of a column is written in, with a note when the
/// format was assumed; `None` when the column is not a date column. `name` is the
/// column's name (it decides Unix seconds).
pub fn detect(name: &str, cells: &[&Cell]) -> Option<(DateFormat, Option<&'static str>)> {
    let present: Vec<&Cell> = cells
        .iter()
        .copied()
        .filter(|cell| !cell.is_missing())
        .collect();
    if present.is_empty() {
        return None;
    }
    if present
        .iter()
        .all(|cell| matches!(cell, Cell::Number { .. }))
    {
        let (low, high) = UNIX_SECONDS_RANGE;
        let in_range = present.iter().all(|cell| {
            cell.as_number()
                .is_some_and(|value| (low..=high).contains(&value))
        });
        return (names_unix_seconds(name) && in_range).then_some((DateFormat::UnixSeconds, None));
    }
    let texts: Vec<&str> = present
        .iter()
        .map(|cell| match cell {
            Cell::Text(text) => Some(text.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let all = |format: DateFormat| texts.iter().all(|text| format.parse(text).is_some());
    if all(DateFormat::Iso) {
        return Some((DateFormat::Iso, None));
    }
    if all(DateFormat::DayMonthYearDotted) {
        return Some((DateFormat::DayMonthYearDotted, None));
    }
    let day_first = all(DateFormat::DayMonthYear);
    let month_first = all(DateFormat::MonthDayYear);
    match (day_first, month_first) {
        (true, false) => Some((DateFormat::DayMonthYear, None)),
        (false, true) => Some((DateFormat::MonthDayYear, None)),
        (true, true) => Some((
            DateFormat::MonthDayYear,
            Some("no day above 12 tells the order: read month first"),
        )),
        (false, false) => None,
    }
}

fn names_unix_seconds(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower
        .split(|character: char| !character.is_ascii_alphanumeric())
        .any(|word| UNIX_NAME_WORDS.contains(&word))
        || ["timestamp", "epoch", "unix"]
            .iter()
            .any(|word| lower.contains(word))
}

/// A date and a time of day, as read.
struct Moment {
    days: i64,
    seconds: f64,
}

impl Moment {
    fn new(year: i64, month: u32, day: u32, time: &str) -> Option<Moment> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let (seconds, offset) = parse_time(time)?;
        Some(Moment {
            days: days_from_civil(year, month, day),
            seconds: seconds - offset,
        })
    }

    fn days(&self) -> f64 {
        self.days as f64 + self.seconds / SECONDS_PER_DAY
    }
}

/// `YYYY-MM-DD` and what follows it.
fn parse_iso(text: &str) -> Option<Moment> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let rest = &text[10..];
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix(' '))
        .unwrap_or(rest);
    if rest.is_empty() && text.len() > 10 {
        return None;
    }
    Moment::new(year as i64, month, day, rest)
}

/// `A<sep>B<sep>YYYY` (A and B one or two digits) and the time after a space.
fn split_date(text: &str, separator: char) -> Option<(u32, u32, i64, &str)> {
    let (date, time) = match text.split_once(' ') {
        Some((date, time)) if !time.trim().is_empty() => (date, time.trim()),
        Some(_) => return None,
        None => (text, ""),
    };
    let mut parts = date.split(separator);
    let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !(1..=2).contains(&first.len())
        || !(1..=2).contains(&second.len())
        || year.len() != 4
    {
        return None;
    }
    Some((digits(first)?, digits(second)?, digits(year)? as i64, time))
}

/// Seconds into the day and the offset from UTC in seconds, from `HH:MM[:SS[.f]]`
/// followed by `Z` or `±HH[:]MM`, or from an empty string (midnight UTC).
fn parse_time(text: &str) -> Option<(f64, f64)> {
    if text.is_empty() {
        return Some((0.0, 0.0));
    }
    let (clock, offset) = if let Some(clock) = text.strip_suffix('Z') {
        (clock, 0.0)
    } else if let Some(position) = text.rfind(['+', '-']) {
        let zone = &text[position + 1..].replace(':', "");
        if zone.len() != 4 {
            return None;
        }
        let minutes = digits(&zone[..2])? * 60 + digits(&zone[2..])?;
        let sign = if text.as_bytes()[position] == b'-' {
            -1.0
        } else {
            1.0
        };
        (&text[..position], sign * f64::from(minutes) * 60.0)
    } else {
        (text, 0.0)
    };
    let mut parts = clock.split(':');
    let hours = digits(parts.next()?)?;
    let minutes = digits(parts.next()?)?;
    let seconds: f64 = match parts.next() {
        None => 0.0,
        Some(seconds)
            if seconds.len() >= 2 && seconds.as_bytes()[..2].iter().all(u8::is_ascii_digit) =>
        {
            seconds.parse().ok()?
        }
        Some(_) => return None,
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || !(0.0..61.0).contains(&seconds) {
        return None;
    }
    Some((f64::from(hours * 3600 + minutes * 60) + seconds, offset))
}

/// A short run of ASCII digits as a number.
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date: years counted from March 1st, so the leap day is
/// the last of a counted year; 719 468 is the count from 0000-03-01 to 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: year, month, day.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Vec<Cell> {
        texts.iter().map(|text| Cell::parse(text)).collect()
    }

    fn detected(name: &str, texts: &[&str]) -> Option<DateFormat> {
        let cells = cells(texts);
        let references: Vec<&Cell> = cells.iter().collect();
        detect(name, &references).map(|(format, _)| format)
    }

    #[test]
    fn calendar_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in (-800_000..800_000).step_by(997) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        // 2024-03-05 was a Tuesday.
        let tuesday = days_from_civil(2024, 3, 5) as f64;
        assert_eq!(derived(tuesday), [tuesday, 2024.0, 3.0, 1.0]);
    }

    #[test]
    fn formats_are_recognized_by_the_whole_column() {
        use DateFormat::*;
        assert_eq!(detected("d", &["2024-03-05", "2023-12-31", ""]), Some(Iso));
        assert_eq!(
            detected("d", &["2024-03-05T10:30:00Z", "2024-03-05 08:00+02:00"]),
            Some(Iso)
        );
        assert_eq!(
            detected("d", &["05.03.2024", "31.12.2023"]),
            Some(DayMonthYearDotted)
        );
        assert_eq!(
            detected("d", &["05/03/2024", "31/12/2023"]),
            Some(DayMonthYear)
        );
        assert_eq!(
            detected("d", &["03/05/2024", "12/31/2023"]),
            Some(MonthDayYear)
        );
        assert_eq!(
            detected("d", &["03/05/2024", "04/06/2023"]),
            Some(MonthDayYear)
        );
        assert_eq!(detected("d", &["2024-02-30"]), None);
        assert_eq!(detected("d", &["2024-03-05", "soon"]), None);
        assert_eq!(detected("d", &["31/12/2023", "12/31/2023"]), None);
        assert_eq!(
            detected("created_ts", &["1709600000", "1709700000"]),
            Some(UnixSeconds)
        );
        assert_eq!(detected("count", &["1709600000", "1709700000"]), None);
        assert_eq!(detected("ts", &["12", "40"]), None);
    }

    #[test]
    fn the_same_moment_reads_the_same_in_every_format() {
        let iso = DateFormat::Iso
            .days(&Cell::parse("2024-03-05T12:00:00Z"))
            .unwrap();
        let offset = DateFormat::Iso
            .days(&Cell::parse("2024-03-05T14:00:00+02:00"))
            .unwrap();
        let dotted = DateFormat::DayMonthYearDotted
            .days(&Cell::parse("05.03.2024 12:00"))
            .unwrap();
        let unix = DateFormat::UnixSeconds
            .days(&Cell::number(1_709_640_000.0))
            .unwrap();
        assert_eq!(iso, offset);
        assert_eq!(iso, dotted);
        assert_eq!(iso, unix);
    }
}
