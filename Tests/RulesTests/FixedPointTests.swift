import Foundation
import Testing
@testable import Rules

/// The fixed-point fast path (payload numbers, parsed with their mantissa) must give exactly what the
/// Foundation `Decimal` path gives (SQL literals, parsed from text): same value, same printed scale.
/// Each case evaluates `a op b` both ways and compares the JSON text.
@Suite("FixedPoint: fast arithmetic equals the Decimal path")
struct FixedPointTests {
    static let numbers = ["0", "1", "-1", "7", "2", "3", "10", "1.5", "1.50", "-2.25", "0.1", "0.2", "4.9", "-5.0", "9.0",
                          "2.0", "1e3", "2.5e-3", "100", "0.001", "12345.678", "-0.5", "9223372036854775807", "1.0000000000000001",
                          "99999999999.99999", "-3"]
    static let operators = ["+", "-", "*", "/", "<", "<=", ">", ">=", "="]

    @Test("every pair, every operator", arguments: operators)
    func sameAsDecimalPath(op: String) throws {
        for a in Self.numbers {
            for b in Self.numbers {
                let fast = try value("a \(op) b", payload: "{\"a\": \(a), \"b\": \(b)}")
                let slow = try value("(\(a)) \(op) (\(b))")
                #expect(fast == slow, "\(a) \(op) \(b): fast \(fast), Decimal path \(slow)")
            }
        }
    }

    @Test("chained arithmetic keeps the fast path exact (the benchmark's Fahrenheit rule)")
    func chained() throws {
        for t in ["4.9", "-5.0", "30.1", "0.0", "-17.8", "25"] {
            let fast = try value("(t * 9 / 5) + 32", payload: "{\"t\": \(t)}")
            let slow = try value("((\(t)) * 9 / 5) + 32")
            #expect(fast == slow, "\(t): fast \(fast), Decimal path \(slow)")
        }
        #expect(try value("(t * 9 / 5) + 32", payload: #"{"t": 4.9}"#) == "40.82")
        #expect(try value("a / b", payload: #"{"a": 1, "b": 3.0}"#) == "0.3333333333333333333333333333333333")
    }
}
