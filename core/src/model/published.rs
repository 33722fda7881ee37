//! Publication dates: parsed from the forms news data actually uses, kept
//! with the offset the source stated (and no invented one).

use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use std::sync::RwLock;

use jiff::tz::{Offset, TimeZone};

/// When an article was published, in the source's own civil time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// Date and time as the source wrote them.
    pub datetime: DateTime,
    /// The source's UTC offset, when it stated one (or a `tz` field gave it).
    pub offset: Option<Offset>,
}

impl Published {
    /// Parses RFC 3339 / ISO 8601 (`2023-01-06T09:18:16+08:00`, also with a
    /// space and without offset), RFC 2822 (`Fri, 06 Jan 2023 09:18:16 +0800`)
    /// and Chinese dates (`2023年1月6日 09:18`). `tz` (an offset like `+08:00`
    /// or an IANA name like `Asia/Shanghai`) places a date without offset.
    ///
    /// ```
    /// use kanbao_core::Published;
    /// let p = Published::parse("2023-01-06 09:18:16", Some("Asia/Shanghai")).unwrap();
    /// assert_eq!(p.to_rfc3339(), "2023-01-06T09:18:16+08:00");
    /// let p = Published::parse("2023年1月6日 09:18", None).unwrap();
    /// assert_eq!(p.to_rfc3339(), "2023-01-06T09:18:00");
    /// ```
    pub fn parse(text: &str, tz: Option<&str>) -> Result<Published, DateError> {
        let text = text.trim();
        let mut published = parse_any(text).ok_or_else(|| DateError::Unreadable {
            shown: crate::text::sanitize::sanitize_line(text),
        })?;
        if published.offset.is_none()
            && let Some(tz) = tz
        {
            published.offset = Some(resolve_tz(tz, published.datetime)?);
        }
        Ok(published)
    }

    /// Seconds since the Unix epoch, for ordering; a date without offset is
    /// taken as UTC.
    pub fn sort_key(&self) -> i64 {
        let offset = self.offset.unwrap_or(Offset::UTC);
        offset
            .to_timestamp(self.datetime)
            .map(|t| t.as_second())
            .unwrap_or(0)
    }

    /// `2023-01-06T09:18:16+08:00`, or without the offset when none is known.
    pub fn to_rfc3339(&self) -> String {
        let base = self.datetime.strftime("%Y-%m-%dT%H:%M:%S").to_string();
        match self.offset {
            Some(o) if o == Offset::UTC => format!("{base}Z"),
            Some(o) => {
                let secs = o.seconds();
                let sign = if secs < 0 { '-' } else { '+' };
                let mins = secs.unsigned_abs() / 60;
                format!("{base}{sign}{:02}:{:02}", mins / 60, mins % 60)
            }
            None => base,
        }
    }

    /// Its date and time in `zone`; as written when the source gave no
    /// offset (a floating time cannot be moved to another zone).
    pub fn civil_in(&self, zone: &TimeZone) -> DateTime {
        match self.offset {
            Some(offset) => offset
                .to_timestamp(self.datetime)
                .map(|t| zone.to_datetime(t))
                .unwrap_or(self.datetime),
            None => self.datetime,
        }
    }

    /// Its date and time as shown: in the zone of [`set_shown_zone`] if one
    /// was set (the browser and `kanbao list` set the reader's), else in
    /// the source's own time.
    pub fn shown(&self) -> DateTime {
        match &shown_clock().zone {
            Some(zone) => self.civil_in(zone),
            None => self.datetime,
        }
    }

    /// `2023-01-06`, as shown ([`Published::shown`]).
    pub fn date_string(&self) -> String {
        self.shown().strftime("%Y-%m-%d").to_string()
    }

    /// `2023-01-06 09:18`, as shown ([`Published::shown`]).
    pub fn display(&self) -> String {
        self.shown().strftime("%Y-%m-%d %H:%M").to_string()
    }

    /// The short form for a narrow column, as shown: the time for today
    /// (`09:18`), month and day for another day of this year (`01-06`),
    /// year and month for another year (`2023-01`), so that a list
    /// spanning years never looks unsorted.
    ///
    /// ```
    /// use kanbao_core::Published;
    /// let p = Published::parse("2023-01-06T09:18:00+08:00", None).unwrap();
    /// let day = |s: &str| s.parse().unwrap();
    /// assert_eq!(p.short_on(day("2023-01-06")), "09:18");
    /// assert_eq!(p.short_on(day("2023-12-31")), "01-06");
    /// assert_eq!(p.short_on(day("2024-01-01")), "2023-01");
    /// ```
    pub fn short_on(&self, today: Date) -> String {
        let shown = self.shown();
        let format = if shown.date() == today {
            "%H:%M"
        } else if shown.year() == today.year() {
            "%m-%d"
        } else {
            "%Y-%m"
        };
        shown.strftime(format).to_string()
    }

    /// [`Published::short_on`] today, in the zone dates are shown in.
    pub fn short(&self) -> String {
        self.short_on(today())
    }
}

/// The zone dates are shown in, and the day it is.
#[derive(Clone, Debug, Default)]
struct ShownClock {
    zone: Option<TimeZone>,
    today: Option<Date>,
}

static SHOWN: RwLock<ShownClock> = RwLock::new(ShownClock {
    zone: None,
    today: None,
});

fn shown_clock() -> ShownClock {
    SHOWN.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Shows every date in `zone` from now on (`None`: in each source's own
/// time, the default, which the library's tests rely on); `today` fixes
/// the day for tests (`None`: the clock's).
pub fn set_shown_zone(zone: Option<TimeZone>, today: Option<Date>) {
    let mut clock = SHOWN.write().unwrap_or_else(|e| e.into_inner());
    *clock = ShownClock { zone, today };
}

/// Today, in the zone dates are shown in (the system's when none is set).
pub fn today() -> Date {
    let clock = shown_clock();
    if let Some(day) = clock.today {
        return day;
    }
    let zone = clock.zone.unwrap_or_else(TimeZone::system);
    zone.to_datetime(jiff::Timestamp::now()).date()
}

/// A zone by name as a user writes it: an IANA name (`Asia/Shanghai`,
/// `Europe/Berlin`), `UTC`, or an offset (`+08:00`).
pub fn zone_named(name: &str) -> Result<TimeZone, DateError> {
    if let Ok(p) = Pieces::parse(format!("2000-01-01T00:00:00{name}").as_str())
        && let Some(PiecesOffset::Numeric(n)) = p.offset()
    {
        return Ok(TimeZone::fixed(n.offset()));
    }
    TimeZone::get(name).map_err(|_| DateError::UnknownZone(name.to_owned()))
}

fn parse_any(text: &str) -> Option<Published> {
    if let Ok(p) = Pieces::parse(text) {
        let offset = p.offset().map(|o| o.to_numeric_offset());
        let time = p.time().unwrap_or(Time::midnight());
        return Some(Published {
            datetime: p.date().to_datetime(time),
            offset,
        });
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(text) {
        return Some(Published {
            datetime: z.datetime(),
            offset: Some(z.offset()),
        });
    }
    parse_chinese(text)
}

/// `2023年1月6日`, optionally followed by `09:18` or `09:18:16`.
fn parse_chinese(text: &str) -> Option<Published> {
    let (year, rest) = text.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let (day, rest) = rest.split_once(['日', '号'])?;
    let date = Date::new(
        year.trim().parse().ok()?,
        month.trim().parse().ok()?,
        day.trim().parse().ok()?,
    )
    .ok()?;
    let rest = rest.trim();
    let time = if rest.is_empty() {
        Time::midnight()
    } else {
        let mut parts = rest.split([':', '：']);
        let h = parts.next()?.trim().parse().ok()?;
        let m = parts.next()?.trim().parse().ok()?;
        let s = parts.next().map_or(Some(0), |s| s.trim().parse().ok())?;
        Time::new(h, m, s, 0).ok()?
    };
    Some(Published {
        datetime: date.to_datetime(time),
        offset: None,
    })
}

/// Why a date could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not a date in any form kanbao reads.
    #[error("cannot read date {shown:?}: use RFC 3339 like \"2023-01-06T09:18:16+08:00\"")]
    Unreadable {
        /// The text, sanitized.
        shown: String,
    },
    /// The time zone is neither an offset nor a zone kanbao knows.
    #[error(
        "unknown time zone {0:?}: use an offset like \"+08:00\" or a name like \"Asia/Shanghai\""
    )]
    UnknownZone(String),
    /// The zone does not place the date.
    #[error("time zone {zone:?}: {reason}")]
    Unplaced {
        /// The zone.
        zone: String,
        /// Why, in the time library's words.
        reason: String,
    },
}

fn resolve_tz(tz: &str, datetime: DateTime) -> Result<Offset, DateError> {
    if let Ok(p) = Pieces::parse(format!("2000-01-01T00:00:00{tz}").as_str())
        && let Some(PiecesOffset::Numeric(n)) = p.offset()
    {
        return Ok(n.offset());
    }
    let zone = jiff::tz::TimeZone::get(tz).map_err(|_| DateError::UnknownZone(tz.to_owned()))?;
    zone.to_ambiguous_zoned_datetime(datetime)
        .compatible()
        .map(|z| z.offset())
        .map_err(|e| DateError::Unplaced {
            zone: tz.to_owned(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_keeps_the_stated_offset() {
        let p = Published::parse("2023-01-06T09:18:16+08:00", None).unwrap();
        assert_eq!(p.display(), "2023-01-06 09:18");
        assert_eq!(p.to_rfc3339(), "2023-01-06T09:18:16+08:00");
    }

    #[test]
    fn naive_dates_get_no_invented_offset() {
        let p = Published::parse("2023-01-06 09:18:16", None).unwrap();
        assert_eq!(p.offset, None);
        assert_eq!(p.to_rfc3339(), "2023-01-06T09:18:16");
    }

    #[test]
    fn rfc2822_and_offsets_order_by_instant() {
        let a = Published::parse("Fri, 06 Jan 2023 09:18:16 +0800", None).unwrap();
        let b = Published::parse("2023-01-06T01:18:16Z", None).unwrap();
        assert_eq!(a.sort_key(), b.sort_key());
    }

    #[test]
    fn tz_field_places_a_naive_date() {
        let p = Published::parse("2023-01-06 09:18", Some("+09:00")).unwrap();
        assert_eq!(p.to_rfc3339(), "2023-01-06T09:18:00+09:00");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = Published::parse("yesterday", None).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("yesterday") && e.contains("RFC 3339"), "{e}");
    }
}
