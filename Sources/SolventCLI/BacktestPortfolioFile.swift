import Foundation
import SolventRisk

/// The static portfolio `solvent backtest --portfolio` reads:
/// `{"positions": [{"symbol": "BTCUSDT", "quantity": "1"}, {"symbol": "ETHUSDT", "quantity": "-2",
/// "option": "call", "moneyness": 1.1, "days": 30}]}` (schema in docs/backtest.md).
enum BacktestPortfolioFile {
    struct Document: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable { case positions }
        var positions: [Located<Position>]?
    }

    struct Position: JSONObject {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case symbol, quantity, option, moneyness, days, deltaHedged, volatility
        }
        var symbol: String?
        var quantity: NumberField?
        var option: String?
        var moneyness: NumberField?
        var days: NumberField?
        var deltaHedged: Bool?
        var volatility: NumberField?
    }

    /// The positions of a portfolio file, as written (ranges are the library's to check).
    static func parse(_ data: Data) throws -> [PortfolioBacktest.Position] {
        // A `solvent margin` account file (account, markets, assets) is the usual mistake: say so.
        if let object = try StrictJSON.checked(data) as? [String: Any], object["positions"] == nil,
            object["account"] != nil || object["markets"] != nil || object["assets"] != nil
        {
            throw InputError(
                "",
                "this is a `solvent margin` account file; backtest reads a static portfolio: "
                    + #"{"positions": [{"symbol": "BTCUSDT", "quantity": "1"}]} (examples/long-btc.json)"#)
        }
        let root = try StrictJSON.decode(Located<Document>.self, from: data).value
        return try (root.positions ?? []).map(position)
    }

    static func position(_ entry: Located<Position>) throws -> PortfolioBacktest.Position {
        let fields = entry.value
        guard let symbol = fields.symbol?.uppercased() else { throw InputError(entry.child("symbol"), "required") }
        func number(_ field: NumberField?) throws -> Double? {
            guard let field else { return nil }
            guard let value = Double(field.text), value.isFinite else {
                throw InputError(field.path, "expected a number")
            }
            return value
        }
        guard let quantityText = fields.quantity?.text, let quantity = Double(quantityText) else {
            throw InputError(entry.child("quantity"), "expected a number from -1e12 to 1e12")
        }
        guard let optionText = fields.option else {
            for (key, given) in [
                ("moneyness", fields.moneyness != nil), ("days", fields.days != nil),
                ("deltaHedged", fields.deltaHedged != nil), ("volatility", fields.volatility != nil),
            ] where given {
                throw InputError(
                    entry.child(key), "only for an option position (add \"option\": \"call\" or \"put\")")
            }
            return .init(symbol: symbol, quantity: quantity)
        }
        guard let right = OptionRight(rawValue: optionText) else {
            throw InputError(entry.child("option"), "expected call or put, got \(optionText)")
        }
        let option = PortfolioBacktest.Position.Option(
            right: right, moneyness: try number(fields.moneyness) ?? 1, days: try number(fields.days) ?? 30,
            deltaHedged: fields.deltaHedged ?? false, volatility: try number(fields.volatility))
        return .init(symbol: symbol, quantity: quantity, option: option)
    }
}
