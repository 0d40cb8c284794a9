import Foundation
import SolventCLI
import Testing

/// Goal: `solvent margin --model portfolio|span|greeks|standard` on an option portfolio gives the
/// reference's numbers and reports the worst scenario and every scenario; bad files name the
/// field. Method: TV-PM-1 and TV-SPAN-2 written as portfolio files.
@Suite(.capturingDiagnostics)
struct OptionMarginCommandTests {
    static let files = TemporaryFiles("solvent-option-margin-tests")

    static func json(_ text: String, model: MarginCommand.Model) throws -> [String: Any] {
        let path = files.file("p-\(UUID().uuidString).json", text)
        let output = try MarginCommand.render(portfolioPath: path, model: model, format: .json)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    }

    @Test func paradexShortPut() throws {
        let report = try Self.json(
            """
            {"underlyings": [{"symbol": "BTC", "spot": "100000", "options": [
                {"right": "put", "strike": "90000", "days": 30, "volatility": "0.60", "quantity": "-1"}]}]}
            """, model: .portfolio)
        #expect(abs(report["initial"] as! Double - 12_794.04) < 0.01)
        // Maintenance 0.8 of initial by default (Deribit's mm_factor, as the engine's model).
        #expect(abs(report["maintenance"] as! Double - 10_235.23) < 0.01)
        let btc = (report["underlyings"] as! [[String: Any]])[0]
        #expect((btc["scenarios"] as! [Any]).count == 26)
        let worst = btc["worstScenario"] as! [String: Any]
        #expect(worst["scenario"] as? String == "spot -66%, vol +40%")
    }

    @Test func spanPortfolio() throws {
        let report = try Self.json(
            """
            {"underlyings": [{"symbol": "BTC", "spot": "100000", "linear": "1", "options": [
                {"right": "call", "strike": "110000", "days": 30, "volatility": "0.55", "quantity": "-1"},
                {"right": "put", "strike": "90000", "days": 30, "volatility": "0.55", "quantity": "1"}]}]}
            """, model: .span)
        let btc = (report["underlyings"] as! [[String: Any]])[0]
        let detail = btc["detail"] as! [String: Any]
        #expect(abs(detail["scanRisk"] as! Double - 4_273.94) < 0.01)
        #expect(abs(report["initial"] as! Double - 4_787.68) < 0.01)
        #expect((btc["worstScenario"] as! [String: Any])["index"] as? Int == 14)
    }

    @Test func correlationOffsetAndOtherModels() throws {
        let text = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("examples/option-portfolio.json"), encoding: .utf8)
        for model in MarginCommand.Model.allCases {
            let report = try Self.json(text, model: model)
            let lines = (report["underlyings"] as! [[String: Any]]).map { $0["initial"] as! Double }
            let expected = lines.max()! + 0.7 * (lines.reduce(0, +) - lines.max()!)
            #expect(abs(report["initial"] as! Double - expected) < 1e-6, "\(model)")
            #expect(lines.allSatisfy { $0 > 0 }, "\(model)")
        }
    }

    /// Long 1 BTC perpetual (value delta 100,000) and short 20 ETH (−60,000) with a 1 : 1 spread at
    /// 50 %: 60,000 of delta pairs, so BTC keeps 1 − 0.5 × 0.6 of its requirement and ETH half.
    @Test func spreadCreditsBetweenUnderlyings() throws {
        let book =
            #"{"underlyings": [{"symbol": "BTC", "spot": "100000", "linear": "1"}, {"symbol": "ETH", "spot": "3000", "linear": "-20"}]"#
        for model in [MarginCommand.Model.portfolio, .span, .greeks] {
            let plain = try Self.json(book + "}", model: model)
            let credited = try Self.json(
                book + #", "spreads": [{"first": "BTC", "second": "ETH", "creditRate": "0.5"}]}"#, model: model)
            let standAlone = (plain["underlyings"] as! [[String: Any]]).map { $0["initial"] as! Double }
            let expected = standAlone[0] * 0.7 + standAlone[1] * 0.5
            #expect(abs(credited["initial"] as! Double - expected) < 1e-6 * expected, "\(model)")
            let eth = (credited["underlyings"] as! [[String: Any]])[1]["detail"] as! [String: Any]
            #expect(abs(eth["valueDelta"] as! Double + 60_000) < 1e-9)
            // Same direction: nothing.
            let together = try Self.json(
                book.replacingOccurrences(of: "\"-20\"", with: "\"20\"")
                    + #", "spreads": [{"first": "BTC", "second": "ETH", "creditRate": "0.5"}]}"#, model: model)
            let sum = (together["underlyings"] as! [[String: Any]]).map { $0["initial"] as! Double }.reduce(0, +)
            #expect(
                abs(together["initial"] as! Double - sum) < 1e-9 * sum
                    && ((together["underlyings"] as! [[String: Any]])[0]["detail"] as! [String: Any])["spreadCredit"]
                        as? Double == 0
            )
        }
    }

    @Test func badOptionPortfoliosNameTheField() {
        func error(_ text: String, model: MarginCommand.Model = .portfolio) -> String {
            let path = Self.files.file("bad-\(UUID().uuidString).json", text)
            do {
                _ = try MarginCommand.render(portfolioPath: path, model: model, format: .json)
                return ""
            } catch let error as InputError { return error.description } catch { return "\(error)" }
        }
        #expect(error(#"{"underlyings": [{"symbol": "BTC"}]}"#).contains("underlyings[0].spot: required"))
        #expect(
            error(#"{"underlyings": [{"symbol": "BTC", "spot": "1", "options": [{"right": "straddle"}]}]}"#).contains(
                "options[0].right"))
        #expect(
            error(
                #"{"underlyings": [{"symbol": "BTC", "spot": "1", "options": [{"right": "call", "strike": "1", "days": 1, "volatility": "-1", "quantity": "1"}]}]}"#
            ).contains("volatility"))
        #expect(error(#"{"underlyings": [], "colour": 1}"#).contains("colour: unknown field"))
        let two = #"{"underlyings": [{"symbol": "BTC", "spot": "1"}, {"symbol": "ETH", "spot": "1"}], "#
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "SOL", "creditRate": "0.5"}]}"#).contains(
                "spreads[0].second: no underlying SOL"))
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "BTC", "creditRate": "0.5"}]}"#).contains(
                "spreads[0].second"))
        #expect(
            error(two + #""spreads": [{"first": "BTC", "second": "ETH"}]}"#).contains("spreads[0].creditRate: required")
        )
        #expect(
            error(
                two
                    + #""correlationOffset": "0.2", "spreads": [{"first": "BTC", "second": "ETH", "creditRate": "0.5"}]}"#
            ).contains("not both"))
        let engineFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/deribit-linear.json").path
        #expect(throws: InputError.self) {
            try MarginCommand.render(portfolioPath: engineFile, model: .span, format: .json)
        }
    }
}
