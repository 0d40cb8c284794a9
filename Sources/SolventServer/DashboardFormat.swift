import Foundation
import SolventCore

/// Numbers as a risk desk reads them: exact fixed-point atoms rounded half away from zero to a
/// few decimals, thousands separated by commas, and the unit written beside them
/// (`54,511.44`, `3.30 USDT`, `0.019 BTC`). Display only: nothing booked is computed here.
enum DashboardFormat {
    /// `atoms` at `scale` decimals shown with `decimals` decimals (at most `scale`), grouped by
    /// thousands.
    static func decimal(_ atoms: Int64, scale: Int, decimals: Int) -> String {
        decimal(wide: Int128(atoms), scale: scale, decimals: decimals)
    }

    static func decimal(wide atoms: Int128, scale: Int, decimals wanted: Int) -> String {
        let decimals = max(0, min(wanted, scale))
        let drop = Int128(FixedPoint.powerOfTen128(scale - decimals))
        let magnitude = atoms.magnitude
        // Half away from zero on the first dropped digit.
        let rounded = (magnitude + UInt128(drop / 2)) / UInt128(drop)
        let unit = UInt128(FixedPoint.powerOfTen128(decimals))
        let whole = rounded / unit, fraction = rounded % unit
        var text = atoms < 0 && rounded != 0 ? "-" : ""
        text += grouped(String(whole))
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }

    /// "1234567" → "1,234,567".
    static func grouped(_ digits: String) -> String {
        var out = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    /// How many decimals an asset's amounts show: cents for dollar-like assets (scale ≤ 6),
    /// up to 8 for coins (satoshis matter there).
    static func amountDecimals(scale: Int) -> Int { scale <= 6 ? min(scale, 2) : min(scale, 8) }

    /// An amount in an asset's units: "3.30 USDT".
    static func amount(_ atoms: Int64, scale: Int, symbol: String) -> String {
        "\(decimal(atoms, scale: scale, decimals: amountDecimals(scale: scale))) \(symbol)"
    }

    /// The decimals of a market's tick (0.1 → 1), at least 2: how prices of that market show.
    static func priceDecimals(tick: Price) -> Int {
        var decimals = Price.scale, atoms = tick.atoms
        while decimals > 0 && atoms > 0 && atoms % 10 == 0 { atoms /= 10; decimals -= 1 }
        return max(2, decimals)
    }

    static func price(_ atoms: Int64, decimals: Int) -> String {
        decimal(atoms, scale: Price.scale, decimals: decimals)
    }

    /// A USD value (`Value` atoms): "12,345.67 USD".
    static func usd(_ atoms: Int64) -> String { "\(decimal(atoms, scale: Value.scale, decimals: 2)) USD" }

    /// A rate as a percentage with two decimals: 0.0123 → "1.23 %".
    static func percent(_ rate: Rate) -> String { "\(decimal(rate.atoms, scale: Rate.scale - 2, decimals: 2)) %" }

    /// A quantity without trailing zeros but grouped ("1,250.5", "0.019").
    static func quantity(_ atoms: Int64) -> String {
        let exact = DecimalText.format(
            atoms.magnitude > UInt64(Int64.max) ? Int64.max : abs(atoms), scale: Quantity.scale)
        let parts = exact.split(separator: ".", maxSplits: 1)
        let text = grouped(String(parts[0])) + (parts.count > 1 ? "." + parts[1] : "")
        return atoms < 0 ? "-" + text : text
    }

    /// Engine time (nanoseconds since the epoch) as "HH:mm:ss" UTC.
    static func clock(_ nanoseconds: Int64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        let day = ((seconds % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", day / 3_600, day / 60 % 60, day % 60)
    }

    /// A span of engine time: "45 s", "3 min 20 s", "2 h 5 min".
    static func span(_ nanoseconds: Int64) -> String {
        let seconds = max(0, nanoseconds / 1_000_000_000)
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3_600 {
            return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
        }
        return "\(seconds / 3_600) h \(seconds / 60 % 60) min"
    }
}
