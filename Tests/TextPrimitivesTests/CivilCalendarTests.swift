import Testing
import TextPrimitives

@Suite struct CivilCalendarTests {
    // Known day numbers (days since 1970-01-01), from H. Hinnant, "chrono-Compatible Low-Level
    // Date Algorithms", and POSIX time (1970-01-01T00:00:00Z = 0; 2000-03-01 = 951868800 s / 86400).
    @Test(arguments: [
        (Int64(1970), Int64(1), Int64(1), Int64(0)),
        (1969, 12, 31, -1),
        (1970, 1, 2, 1),
        (2000, 1, 1, 10_957),
        (2000, 2, 29, 11_016),
        (2000, 3, 1, 11_017),
        (2024, 2, 29, 19_782),
        (2024, 3, 1, 19_783),
        (1900, 3, 1, -25_508),
        (1, 1, 1, -719_162),
        (0, 3, 1, -719_468),
        (9999, 12, 31, 2_932_896),
    ])
    func knownDays(year: Int64, month: Int64, day: Int64, days: Int64) {
        #expect(CivilCalendar.daysFromCivil(year: year, month: month, day: day) == days)
        let civil = CivilCalendar.civilFromDays(days)
        #expect(civil.year == year && civil.month == month && civil.day == day)
    }

    @Test func leapYears() {
        #expect(CivilCalendar.isLeapYear(2000))
        #expect(CivilCalendar.isLeapYear(2024))
        #expect(CivilCalendar.isLeapYear(1600))
        #expect(CivilCalendar.isLeapYear(0))
        #expect(CivilCalendar.isLeapYear(-4))
        #expect(!CivilCalendar.isLeapYear(1900))
        #expect(!CivilCalendar.isLeapYear(2100))
        #expect(!CivilCalendar.isLeapYear(2023))
        #expect(!CivilCalendar.isLeapYear(-1))
        // 1900-02-29 does not exist: 1900-02-28 is followed by 1900-03-01.
        #expect(CivilCalendar.daysFromCivil(year: 1900, month: 3, day: 1)
            == CivilCalendar.daysFromCivil(year: 1900, month: 2, day: 28) + 1)
    }

    @Test func monthLengths() {
        let common: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for (i, n) in common.enumerated() {
            #expect(CivilCalendar.daysInMonth(year: 2023, month: Int64(i + 1)) == n)
            #expect(CivilCalendar.daysInMonth(year: 2024, month: Int64(i + 1)) == (i == 1 ? 29 : n))
        }
        #expect(CivilCalendar.daysInMonth(year: 1900, month: 2) == 28)
        #expect(CivilCalendar.daysInMonth(year: 2000, month: 2) == 29)
    }

    /// Every day from 1600-01-01 to 2400-12-31, walked date by date: each day number is one more
    /// than the previous one and converts back to the same date.
    @Test func everyDayFrom1600To2400() {
        var expected = CivilCalendar.daysFromCivil(year: 1600, month: 1, day: 1)
        for year in Int64(1600)...2400 {
            for month in Int64(1)...12 {
                for day in 1...CivilCalendar.daysInMonth(year: year, month: month) {
                    let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
                    guard days == expected else {
                        Issue.record("\(year)-\(month)-\(day) is day \(days), expected \(expected)")
                        return
                    }
                    let civil = CivilCalendar.civilFromDays(days)
                    guard civil == (year, month, day) else {
                        Issue.record("day \(days) is \(civil), expected \(year)-\(month)-\(day)")
                        return
                    }
                    expected += 1
                }
            }
        }
        #expect(expected == CivilCalendar.daysFromCivil(year: 2401, month: 1, day: 1))
    }

    /// Day numbers far before and after the epoch (negative years included) round-trip.
    @Test func roundTripWideRange() {
        for days in stride(from: Int64(-400_000_000), through: 400_000_000, by: 9_973) {
            let c = CivilCalendar.civilFromDays(days)
            #expect((1...12).contains(c.month))
            #expect(c.day >= 1 && c.day <= CivilCalendar.daysInMonth(year: c.year, month: c.month))
            #expect(CivilCalendar.daysFromCivil(year: c.year, month: c.month, day: c.day) == days)
        }
        for days in Int64(-1_000)...1_000 {
            let c = CivilCalendar.civilFromDays(days)
            #expect(CivilCalendar.daysFromCivil(year: c.year, month: c.month, day: c.day) == days)
        }
    }

    /// Hostile extremes wrap instead of trapping.
    @Test func extremesDoNotTrap() {
        _ = CivilCalendar.daysFromCivil(year: .max, month: 12, day: 31)
        _ = CivilCalendar.daysFromCivil(year: .min, month: 1, day: 1)
        _ = CivilCalendar.civilFromDays(.max)
        _ = CivilCalendar.civilFromDays(.min)
        #expect(CivilCalendar.daysInMonth(year: 2024, month: 13) >= 1)
    }
}
