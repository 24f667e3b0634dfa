//! Forecast timestamps that follow the data's calendar.
//!
//! The rule, applied to the last (up to) 51 timestamps of the input, first match wins:
//!
//! 1. **Month ends**: every timestamp is the last day of its month, at one time of day, and
//!    consecutive ones are the same number k of months apart (1 monthly, 3 quarterly, 12
//!    yearly): the forecasts are the next month ends k months apart, at that time of day.
//! 2. **Same day of the month**: every timestamp is on one day of the month (1..=28), at one
//!    time of day, k months apart: the next ones k months on.
//! 3. **Business days**: every timestamp is a weekday (Monday to Friday), at one time of
//!    day, and the median gap is one day: the next weekdays, at that time of day (holidays
//!    are not known, so a Monday after a holiday is not skipped).
//! 4. **Intraday on weekdays**: the median gap is under a day, no timestamp of the whole
//!    input falls on a Saturday or Sunday, and the input spans at least a week: steps of the
//!    median gap, where a step that lands on a weekend moves on to Monday at the same time
//!    of day.
//! 5. Otherwise the **median gap**, as a fixed step (none when the timestamps do not
//!    advance).

use stratos_core::Timestamp;

const DAY: i64 = 86_400_000_000;

/// `(year, month 1..=12, day 1..=31)` of a day count since 1970-01-01 (proleptic
/// Gregorian; H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a civil date (`days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)) as u32
}

/// Day of the week, 0 = Monday … 6 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// A timestamp split into its day and time of day.
#[derive(Debug, Clone, Copy)]
struct Parts {
    days: i64,
    tod: i64,
    y: i64,
    m: u32,
    d: u32,
}

fn parts(t: Timestamp) -> Parts {
    let us = t.micros();
    let days = us.div_euclid(DAY);
    let (y, m, d) = civil(days);
    Parts {
        days,
        tod: us.rem_euclid(DAY),
        y,
        m,
        d,
    }
}

fn month_index(p: &Parts) -> i64 {
    p.y * 12 + i64::from(p.m) - 1
}

/// The constant month step between consecutive timestamps, if there is one.
fn month_step(ps: &[Parts]) -> Option<i64> {
    let k = month_index(&ps[1]) - month_index(&ps[0]);
    (k > 0
        && ps
            .windows(2)
            .all(|w| month_index(&w[1]) - month_index(&w[0]) == k))
    .then_some(k)
}

fn at(days: i64, tod: i64) -> Option<Timestamp> {
    days.checked_mul(DAY)
        .and_then(|v| v.checked_add(tod))
        .and_then(|us| Timestamp::from_micros(us).ok())
}

/// Which rule of the module docs placed the forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Calendar {
    /// Month ends, k months apart.
    MonthEnd(i64),
    /// One day of the month, k months apart.
    DayOfMonth(i64),
    /// Weekdays.
    BusinessDays,
    /// A sub-daily step, skipping weekends.
    IntradayWeekdays(i64),
    /// A fixed step (microseconds).
    Fixed(i64),
}

impl Calendar {
    /// The name reported with the forecasts.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Calendar::MonthEnd(_) => "month_end",
            Calendar::DayOfMonth(_) => "day_of_month",
            Calendar::BusinessDays => "business_days",
            Calendar::IntradayWeekdays(_) => "intraday_weekdays",
            Calendar::Fixed(_) => "median_step",
        }
    }
}

/// The calendar of `times` (see the module docs), or `None` when they do not advance.
pub(crate) fn detect(times: &[Timestamp]) -> Option<Calendar> {
    let tail = &times[times.len().saturating_sub(51)..];
    if tail.len() < 2 {
        return None;
    }
    let ps: Vec<Parts> = tail.iter().map(|&t| parts(t)).collect();
    let mut gaps: Vec<i64> = tail
        .windows(2)
        .map(|w| w[1].micros() - w[0].micros())
        .collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    if median <= 0 || gaps[0] <= 0 {
        return (median > 0).then_some(Calendar::Fixed(median));
    }
    let one_tod = ps.iter().all(|p| p.tod == ps[0].tod);
    if one_tod && ps.len() >= 2 {
        if let Some(k) = month_step(&ps) {
            if ps.iter().all(|p| p.d == days_in_month(p.y, p.m)) {
                return Some(Calendar::MonthEnd(k));
            }
            if ps[0].d <= 28 && ps.iter().all(|p| p.d == ps[0].d) {
                return Some(Calendar::DayOfMonth(k));
            }
        }
        if median == DAY && ps.iter().all(|p| weekday(p.days) < 5) {
            return Some(Calendar::BusinessDays);
        }
    }
    if median < DAY {
        let first = times.first()?.micros();
        let last = times.last()?.micros();
        let no_weekend = times
            .iter()
            .all(|t| weekday(t.micros().div_euclid(DAY)) < 5);
        if no_weekend && last - first >= 7 * DAY {
            return Some(Calendar::IntradayWeekdays(median));
        }
    }
    Some(Calendar::Fixed(median))
}

/// The `steps` timestamps after the last of `times` under `calendar`.
pub(crate) fn extend(
    times: &[Timestamp],
    calendar: Calendar,
    steps: usize,
) -> Option<Vec<Timestamp>> {
    let last = parts(*times.last()?);
    let mut out = Vec::with_capacity(steps);
    match calendar {
        Calendar::MonthEnd(k) | Calendar::DayOfMonth(k) => {
            let base = month_index(&last);
            for h in 1..=steps as i64 {
                let mi = base.checked_add(k.checked_mul(h)?)?;
                let (y, m) = (mi.div_euclid(12), (mi.rem_euclid(12) + 1) as u32);
                let d = match calendar {
                    Calendar::MonthEnd(_) => days_in_month(y, m),
                    _ => last.d,
                };
                out.push(at(days_from_civil(y, m, d), last.tod)?);
            }
        }
        Calendar::BusinessDays => {
            let mut days = last.days;
            while out.len() < steps {
                days += 1;
                if weekday(days) < 5 {
                    out.push(at(days, last.tod)?);
                }
            }
        }
        Calendar::IntradayWeekdays(step) => {
            let mut us = times.last()?.micros();
            while out.len() < steps {
                us = us.checked_add(step)?;
                let mut days = us.div_euclid(DAY);
                while weekday(days) >= 5 {
                    days += 1;
                    us = days * DAY + us.rem_euclid(DAY);
                }
                out.push(Timestamp::from_micros(us).ok()?);
            }
        }
        Calendar::Fixed(step) => {
            let last = times.last()?.micros();
            for h in 1..=steps as i64 {
                out.push(Timestamp::from_micros(last.checked_add(step.checked_mul(h)?)?).ok()?);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i64, m: u32, d: u32, h: i64) -> Timestamp {
        at(days_from_civil(y, m, d), h * 3_600_000_000).unwrap()
    }

    fn ymd(t: Timestamp) -> (i64, u32, u32) {
        civil(t.micros().div_euclid(DAY))
    }

    #[test]
    fn civil_round_trips() {
        for days in [-1_000_000, -1, 0, 59, 365, 11_016, 19_000, 2_932_896] {
            let (y, m, d) = civil(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(weekday(0), 3); // 1970-01-01 was a Thursday
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
    }

    #[test]
    fn month_ends_stay_month_ends() {
        let t: Vec<Timestamp> = (1..=12)
            .map(|m| ts(2023, m, days_in_month(2023, m), 0))
            .collect();
        let c = detect(&t).unwrap();
        assert_eq!(c, Calendar::MonthEnd(1));
        let f = extend(&t, c, 3).unwrap();
        assert_eq!(
            f.iter().map(|&t| ymd(t)).collect::<Vec<_>>(),
            [(2024, 1, 31), (2024, 2, 29), (2024, 3, 31)]
        );
        // Quarterly.
        let q: Vec<Timestamp> = [3, 6, 9, 12]
            .iter()
            .map(|&m| ts(2023, m, days_in_month(2023, m), 0))
            .collect();
        let c = detect(&q).unwrap();
        assert_eq!(c, Calendar::MonthEnd(3));
        assert_eq!(ymd(extend(&q, c, 1).unwrap()[0]), (2024, 3, 31));
    }

    #[test]
    fn month_starts_and_business_days() {
        let t: Vec<Timestamp> = (1..=6).map(|m| ts(2024, m, 1, 0)).collect();
        let c = detect(&t).unwrap();
        assert_eq!(c, Calendar::DayOfMonth(1));
        assert_eq!(ymd(extend(&t, c, 1).unwrap()[0]), (2024, 7, 1));
        // Weekdays of two weeks ending on Friday 2024-03-15.
        let b: Vec<Timestamp> = (4..=15)
            .filter(|&d| weekday(days_from_civil(2024, 3, d)) < 5)
            .map(|d| ts(2024, 3, d, 16))
            .collect();
        let c = detect(&b).unwrap();
        assert_eq!(c, Calendar::BusinessDays);
        let f = extend(&b, c, 2).unwrap();
        assert_eq!(ymd(f[0]), (2024, 3, 18));
        assert_eq!(ymd(f[1]), (2024, 3, 19));
        assert_eq!(f[0].micros().rem_euclid(DAY), 16 * 3_600_000_000);
    }

    #[test]
    fn intraday_weekdays_skip_the_weekend_and_others_use_the_median() {
        // Hourly Monday 2024-03-04 to Friday 2024-03-15 23:00, weekdays only.
        let mut h = Vec::new();
        for d in 4..=15 {
            if weekday(days_from_civil(2024, 3, d)) < 5 {
                h.extend((0..24).map(|hr| ts(2024, 3, d, hr)));
            }
        }
        let c = detect(&h).unwrap();
        assert_eq!(c, Calendar::IntradayWeekdays(3_600_000_000));
        let f = extend(&h, c, 2).unwrap();
        assert_eq!(ymd(f[0]), (2024, 3, 18));
        assert_eq!(f[0].micros().rem_euclid(DAY), 0);
        // Daily including weekends: the median step.
        let d: Vec<Timestamp> = (1..=20).map(|d| ts(2024, 3, d, 0)).collect();
        assert_eq!(detect(&d).unwrap(), Calendar::Fixed(DAY));
        assert!(detect(&[ts(2024, 1, 1, 0), ts(2024, 1, 1, 0)]).is_none());
    }
}
