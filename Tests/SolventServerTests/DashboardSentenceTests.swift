import Foundation
import SolventCore
import Testing

@testable import SolventServer

/// The feed's sentences read the amounts the API writes (decimal strings in the settlement
/// asset), so a penalty or a covered deficit shows its value, not 0.
struct DashboardSentenceTests {
    @Test func liquidationAndDeficitAmountsAreShown() async throws {
        let h = try await ServerHarness.make("sentences")
        try await h.app().test(.router) { client in try await seedVenue(client, h) }
        let catalog = await h.service.engine.read { Dashboard.Catalog($0) }
        let liquidation = StreamEvent(
            sequence: 9, type: "positionLiquidated", accounts: [1],
            json: """
                {"account": 1, "market": 1, "long": true, "quantity": "0.019", "accountPrice": "54511.44", "closesPosition": false,
                 "penalty": "3.299628", "fundDraw": "12.5", "reallocated": "0", "uncovered": "0", "deleveraged": [], "auction": null}
                """)
        let text = Dashboard.sentence(liquidation, catalog: catalog)
        #expect(
            text.contains("penalty 3.30 USDT") && text.contains("insurance fund paid 12.50 USDT")
                && !text.contains("reallocated"), "\(text)")
        let cover = StreamEvent(
            sequence: 10, type: "deficitCovered", accounts: [], json: #"{"asset": 1, "amount": "250"}"#)
        #expect(
            Dashboard.sentence(cover, catalog: catalog).contains("250.00 USDT"),
            "\(Dashboard.sentence(cover, catalog: catalog))")
    }
}
