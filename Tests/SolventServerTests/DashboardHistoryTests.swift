import Foundation
import HummingbirdTesting
import SolventCore
import SolventServer
import Testing

/// Goal: the dashboard's history stays bounded however long the service runs and keeps spanning
/// the whole run. Method: a venue through the API, then more mark updates than a series holds,
/// submitted to the journaled engine directly (fast); the series' size, order, and first and
/// last points.
struct DashboardHistoryTests {
    @Test(.timeLimit(.minutes(1)))
    func aSeriesStaysBoundedAndSpansTheRun() async throws {
        let h = try await ServerHarness.make("dashboard-history")
        try await h.app().test(.router) { client in try await seedVenue(client, h) }
        let updates = 1_500
        for step in 0..<updates {
            let mark = Price(atoms: (59_000 + Int64(step % 700)) * 100_000_000)
            _ = try await h.service.engine.submit(.setMarkPrice(market: MarketID(1), mark: mark, index: nil))
        }
        let final = Price(atoms: 58_765 * 100_000_000)
        _ = try await h.service.engine.submit(.setMarkPrice(market: MarketID(1), mark: final, index: nil))
        // The sampler runs after commits; give it a moment to read the last one.
        var series = h.service.history.markets.first
        for _ in 0..<50 where series?.points.last?.first != final.atoms {
            try await Task.sleep(for: .milliseconds(20))
            series = h.service.history.markets.first
        }
        let points = try #require(series?.points)
        #expect(points.count <= 600, "bounded: \(points.count) points after \(updates) updates")
        #expect(points.count >= 100, "still a useful chart: \(points.count) points")
        let firstMark: Int64 = 60_000 * 100_000_000
        #expect(points.first.map(\.first) == firstMark, "the first mark of the run is kept")
        #expect(points.last?.first == final.atoms, "the latest mark is drawn")
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.time <= $1.time }, "in engine-time order")
        #expect(h.service.history.minutes.isEmpty, "no liquidation, no minute bucket")
    }
}
