//! The date the page was taken, as `YYYY-MM-DD HH:MM:SS UTC`: civil
//! calendar arithmetic on the Unix clock, a dozen lines that spare a date
//! crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time now as `YYYY-MM-DD HH:MM:SS UTC`.
pub(super) fn utc_now() -> String {
    utc(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs())
}

/// `secs` after the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a civil date: Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}
#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil_dates() {
        let cases = [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_399, "2000-02-28 23:59:59 UTC"),
            (951_868_800, "2000-03-01 00:00:00 UTC"), // 2000-02-29 existed
            (4_107_542_399, "2100-02-28 23:59:59 UTC"),
            (4_107_542_400, "2100-03-01 00:00:00 UTC"), // the next second: 2100-02-29 did not
            (1_795_862_764, "2026-11-28 10:46:04 UTC"),
        ];
        for (secs, text) in cases {
            assert_eq!(super::utc(secs), text);
        }
    }
}
