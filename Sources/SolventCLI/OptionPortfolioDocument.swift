/// The option portfolio file's JSON, as decoded (schema in docs/margin.md); `OptionPortfolioFile`
/// reads it into an `OptionPortfolio`. Fields are optional here so that a missing one is refused
/// with what to give, and retired ones (`rate`, `dividend`, `correlationOffset`) with what
/// replaced them.
extension OptionPortfolioFile {
    struct Document: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case underlyings, maintenanceFactor, grid, span, greeks, spreads, correlationOffset
        }
        var underlyings: [Located<Underlying>]?
        var maintenanceFactor: NumberField?
        var grid: Located<Grid>?
        var span: Located<Span>?
        var greeks: Located<Greeks>?
        var spreads: [Located<Spread>]?
        var correlationOffset: Retired?
    }

    struct Underlying: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case symbol, spot, rate, linear, options }
        var symbol: String?
        var spot: NumberField?
        var rate: Retired?
        var linear: NumberField?
        var options: [Located<Option>]?
    }

    struct Option: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case right, strike, days, volatility, quantity, dividend }
        var right: String?
        var strike: NumberField?
        var days: NumberField?
        var volatility: NumberField?
        var quantity: NumberField?
        var dividend: Retired?
    }

    struct Grid: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case preset, maxMove, moves, volatilityShocks }
        var preset: String?
        var maxMove: NumberField?
        var moves: NumberField?
        var volatilityShocks: [NumberField]?
    }

    struct Span: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case priceScanRange, volatilityScanRange, extremeMove, coveredFraction, lookaheadDays, shortOptionMinimum
        }
        var priceScanRange: NumberField?
        var volatilityScanRange: NumberField?
        var extremeMove: NumberField?
        var coveredFraction: NumberField?
        var lookaheadDays: NumberField?
        var shortOptionMinimum: NumberField?
    }

    struct Greeks: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case deltaMove, gammaMove, volatilityShock, vegaOffsetsAcrossExpiries
        }
        var deltaMove: NumberField?
        var gammaMove: NumberField?
        var volatilityShock: NumberField?
        var vegaOffsetsAcrossExpiries: Bool?
    }

    struct Spread: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case first, second, firstRatio, secondRatio, creditRate }
        var first: String?
        var second: String?
        var firstRatio: NumberField?
        var secondRatio: NumberField?
        var creditRate: NumberField?
    }
}

/// A field the format no longer takes, whatever its value: its presence is refused with what
/// replaced it.
struct Retired: Decodable {
    init(from decoder: any Decoder) throws {}
}
