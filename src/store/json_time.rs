//! Times and dates in SQLite's JSON rows (`line_json!`), read without chrono's general
//! parser when they have the one shape sqlx writes: `2026-12-05T15:34:00.123456789+00:00`
//! (or `Z`, or a space for the `T`), and `2026-12-05` for a date. Anything else goes to
//! chrono as before. On the order page, chrono's parser was 8.5 % of a request's
//! instructions: four times a line (docs/performance.md, "The order page's rows").

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserializer;
use serde::de::{Error, Visitor};

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&b[..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)
}

fn fast_time(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = date(&b[..10])?;
    let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(&fraction[..n])? * 10u32.pow(9 - n as u32);
        rest = &fraction[n..];
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    Some(day.and_hms_nano_opt(h, m, sec, nanos)?.and_utc())
}

/// A time as text: the fast shape, else whatever chrono's `DateTime` parser accepts.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    fast_time(s).or_else(|| s.parse::<DateTime<FixedOffset>>().ok().map(|t| t.with_timezone(&Utc)))
}

/// A date as text: `YYYY-MM-DD`, else chrono's `NaiveDate` parser.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    date(s.as_bytes()).or_else(|| s.parse().ok())
}

struct TimeText;

impl Visitor<'_> for TimeText {
    type Value = DateTime<Utc>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a time (RFC 3339)")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Self::Value, E> {
        parse_time(s).ok_or_else(|| E::custom(format!("not a time: {s}")))
    }
}

struct MaybeTimeText;

impl<'de> Visitor<'de> for MaybeTimeText {
    type Value = Option<DateTime<Utc>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a time (RFC 3339) or null")
    }
    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(TimeText).map(Some)
    }
}

struct DateText;

impl Visitor<'_> for DateText {
    type Value = NaiveDate;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a date (YYYY-MM-DD)")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Self::Value, E> {
        parse_date(s).ok_or_else(|| E::custom(format!("not a date: {s}")))
    }
}

/// `#[serde(deserialize_with = "json_time::time")]`
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(TimeText)
}

/// `#[serde(deserialize_with = "json_time::maybe_time")]`
pub fn maybe_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_option(MaybeTimeText)
}

/// `#[serde(deserialize_with = "json_time::naive_date")]`
pub fn naive_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    d.deserialize_str(DateText)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_shape_as_chrono_does() {
        for s in [
            "2026-12-05T15:38:28.735105327+00:00",
            "2026-12-05T15:38:28+00:00",
            "2026-12-05T15:38:28Z",
            "2026-12-05 15:38:28.5Z",
            "2026-12-05T15:38:28.123+00:00",
            "2026-12-05T17:38:28+02:00",
        ] {
            let chrono = s.replace(' ', "T").parse::<DateTime<FixedOffset>>().unwrap().with_timezone(&Utc);
            assert_eq!(parse_time(s), Some(chrono), "{s}");
        }
        assert!(fast_time("2026-12-05T15:38:28.735105327+00:00").is_some());
        assert!(fast_time("2026-12-05T17:38:28+02:00").is_none(), "other offsets go to chrono");
        assert_eq!(parse_time("2026-02-30T10:00:00Z"), None);
        assert_eq!(parse_time("2026-12-05T24:00:00Z"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_date("2026-12-05"), NaiveDate::from_ymd_opt(2026, 12, 5));
        assert_eq!(parse_date("2026-13-05"), None);
        assert_eq!(parse_date("2026-1-5"), "2026-1-5".parse().ok());
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(deserialize_with = "naive_date")]
        day: NaiveDate,
        #[serde(deserialize_with = "time")]
        at: DateTime<Utc>,
        #[serde(deserialize_with = "maybe_time")]
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn reads_rows_by_name_and_by_position() {
        let a: Row = serde_json::from_str(r#"{"day":"2026-12-05","at":"2026-12-05T15:38:28Z","maybe":null}"#).unwrap();
        let b: Row = serde_json::from_str(r#"["2026-12-05","2026-12-05T15:38:28Z",null]"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.maybe, None);
        let c: Row =
            serde_json::from_str(r#"["2026-12-05","2026-12-05T15:38:28Z","2026-12-06T00:00:00+00:00"]"#).unwrap();
        assert_eq!(c.maybe, parse_time("2026-12-06T00:00:00Z"));
        assert!(serde_json::from_str::<Row>(r#"["2026-12-05","noon",null]"#).is_err());
    }
}
