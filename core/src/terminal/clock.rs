//! Calendar arithmetic for `now` (unix ms): the engine reads no clock, it is handed the time.

/// Local `(YYYY-MM-DD, HH:MM:SS, MMDD, hhmmss)` for unix ms `now` at `offset_minutes` from UTC.
pub(crate) fn local(now: u64, offset_minutes: i32) -> (String, String, String, String) {
    #[allow(clippy::cast_possible_wrap)]
    let secs = (now / 1000) as i64 + i64::from(offset_minutes) * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{hh:02}:{mm:02}:{ss:02}"),
        format!("{m:02}{d:02}"),
        format!("{hh:02}{mm:02}{ss:02}"),
    )
}

/// Howard Hinnant's days-from-civil inverse (proleptic Gregorian). Day and month are 1..=31 and
/// 1..=12 by construction, so the casts cannot lose a sign.
#[allow(clippy::cast_sign_loss)]
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Hinnant's algorithm): the inverse of
/// [`civil_from_days`]; `None` when it is not of that shape.
pub(crate) fn days_from_civil(date: &str) -> Option<i64> {
    let y: i64 = date.get(0..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        // 2026-11-23T16:25:25Z is 1795451125 s.
        let (d, t, mmdd, hms) = super::local(1_795_451_125_000, 0);
        assert_eq!((d.as_str(), t.as_str(), mmdd.as_str(), hms.as_str()), ("2026-11-23", "16:25:25", "1123", "162525"));
        let (d, t, _, _) = super::local(1_795_451_125_000, 480);
        assert_eq!((d.as_str(), t.as_str()), ("2026-11-24", "00:25:25"));
        assert_eq!(super::local(0, 0).0, "1970-01-01");
    }
}
