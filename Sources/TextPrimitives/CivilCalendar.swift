/// Day arithmetic in the proleptic Gregorian calendar: civil dates (year, month, day) ↔ days since
/// 1970-01-01, leap years and month lengths. Pure integer arithmetic, no time-zone database and no
/// Foundation, for the hand-written RFC 3339 / ISO 8601 parsers and formatters of several modules.
///
/// The conversions are Howard Hinnant's `days_from_civil` and `civil_from_days` from
/// "chrono-Compatible Low-Level Date Algorithms" (howardhinnant.github.io/date_algorithms.html):
/// the year is shifted to start on 1 March, so that the leap day is the last day of the shifted
/// year, and split into 400-year eras of 146 097 days.
///
/// Every value is an `Int64`. Results are exact for years within ±2^40 (and the day counts they
/// give); outside that range the arithmetic wraps instead of trapping, so hostile input can give a
/// wrong answer but never a crash. Year 0 is 1 BC, year -1 is 2 BC (astronomical numbering).
public enum CivilCalendar {
    /// Whether `year` has 366 days: divisible by 4, except centuries not divisible by 400.
    @inlinable
    public static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in `month` (1…12) of `year`: 28…31. A month outside 1…12 answers 31,
    /// never less than 1, so `1...daysInMonth(…)` is always a valid range; callers check the month.
    @inlinable
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of the civil date `year`-`month`-`day` (Hinnant's `days_from_civil`);
    /// negative before 1970. `month` is 1…12 and `day` 1…31; the date is not validated (day 0 is the
    /// day before day 1), callers check it with ``daysInMonth(year:month:)`` first.
    @inlinable
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year &- 1 : year
        let era = (y >= 0 ? y : y &- 399) / 400
        let yoe = y &- era &* 400                                  // [0, 399]
        let mp = (month &+ 9) % 12                                 // March = 0 … February = 11
        let doy = (153 &* mp &+ 2) / 5 &+ day &- 1                 // [0, 365]
        let doe = yoe &* 365 &+ yoe / 4 &- yoe / 100 &+ doy        // [0, 146096]
        return era &* 146_097 &+ doe &- 719_468
    }

    /// The civil date of a day count since 1970-01-01 (Hinnant's `civil_from_days`); the inverse
    /// of ``daysFromCivil(year:month:day:)``. `month` is 1…12 and `day` 1…31.
    @inlinable
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days &+ 719_468
        let era = (z >= 0 ? z : z &- 146_096) / 146_097
        let doe = z &- era &* 146_097                                              // [0, 146096]
        let yoe = (doe &- doe / 1460 &+ doe / 36_524 &- doe / 146_096) / 365       // [0, 399]
        let doy = doe &- (365 &* yoe &+ yoe / 4 &- yoe / 100)                      // [0, 365]
        let mp = (5 &* doy &+ 2) / 153                                             // [0, 11]
        let d = doy &- (153 &* mp &+ 2) / 5 &+ 1                                   // [1, 31]
        let m = mp < 10 ? mp &+ 3 : mp &- 9                                        // [1, 12]
        return (yoe &+ era &* 400 &+ (m <= 2 ? 1 : 0), m, d)
    }
}
