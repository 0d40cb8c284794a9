import Foundation
import SolventCore
import SolventStore
import Synchronization

/// What the dashboard's charts draw: a bounded in-memory history kept beside the engine, never
/// inside it (a view: the engine's state and digest do not change, and a restart starts it
/// empty).
///
/// - Mark and index per market and insurance fund and deficit per asset: sampled after commits
///   that can move them (price updates, liquidation steps, fund events), read from the engine
///   as committed and stamped with engine time. A point is added only when a value changed.
/// - Liquidation steps and deleveraged positions per minute of engine time, counted from the
///   committed events themselves.
///
/// Bounds: at most `capacity` points per series (when a series is full every other point is
/// dropped, so it keeps spanning the whole run at a coarser step), `minutes` minute buckets,
/// and `seriesLimit` markets and assets.
public final class DashboardHistory: Sendable {
    public struct Point: Sendable, Equatable {
        /// Engine time, nanoseconds.
        public var time: Int64
        /// Market series: mark and index (Price atoms, 0 = none). Asset series: fund and
        /// deficit (settlement atoms, the deficit as a positive amount).
        public var first: Int64
        public var second: Int64
    }

    public struct Series: Sendable {
        public var id: UInt32
        public var symbol: String
        public var points: [Point] = []
    }

    public struct Minute: Sendable, Equatable {
        /// Minutes since the epoch, engine time.
        public var minute: Int64
        public var liquidations: Int
        public var deleveraged: Int
    }

    struct State {
        var markets: [Series] = []
        var assets: [Series] = []
        var minutes: [Minute] = []
        /// Counted from events, not yet given a minute (the sampler stamps them).
        var pendingLiquidations = 0
        var pendingDeleveraged = 0
        /// Bumped by every sample that changed something: live pages re-render on a new one.
        var version: UInt64 = 0
        var continuation: AsyncStream<Void>.Continuation?
    }

    let capacity: Int
    let minutesKept: Int
    static let seriesLimit = 32
    private let state = Mutex(State())

    public init(capacity: Int = 600, minutes: Int = 120) {
        precondition(capacity >= 4 && minutes >= 1)
        self.capacity = capacity
        self.minutesKept = minutes
    }

    /// Whether committed events may have moved a charted value (called synchronously after each
    /// commit, in sequence order, so it stays small); counts liquidation steps and deleveraged
    /// positions.
    func observe(_ events: [Event]) -> Bool {
        var relevant = false, liquidations = 0, deleveraged = 0
        for event in events {
            switch event {
            case .positionLiquidated(let step):
                liquidations += 1
                deleveraged += step.counterparties.count
                relevant = true
            case .markPriceSet, .indexUpdated, .indexPriceSet, .insuranceFunded, .deficitCovered, .marketSettled,
                .auctionStarted,
                .auctionReset, .assetCreated, .marketCreated:
                relevant = true
            default: continue
            }
        }
        if liquidations > 0 {
            state.withLock {
                $0.pendingLiquidations += liquidations; $0.pendingDeleveraged += deleveraged
            }
        }
        return relevant
    }

    /// The values a sample reads from the engine.
    struct Reading: Sendable {
        var now: Int64
        var markets: [(id: UInt32, symbol: String, mark: Int64, index: Int64)]
        var assets: [(id: UInt32, symbol: String, fund: Int64, deficit: Int64)]
    }

    static func reading(_ engine: Engine) -> Reading {
        Reading(
            now: engine.now.nanoseconds,
            markets: engine.markets.prefix(seriesLimit).map {
                ($0.spec.id.rawValue, $0.spec.symbol, $0.mark, $0.index)
            },
            assets: engine.assets.prefix(seriesLimit).map {
                ($0.spec.id.rawValue, $0.spec.symbol, $0.insuranceFund, -$0.deficit)
            })
    }

    /// Adds a reading: a point to each series whose values changed, and the pending counts to
    /// the reading's minute.
    func record(_ reading: Reading) {
        state.withLock { state in
            var changed = false
            for market in reading.markets where market.mark > 0 || market.index > 0 {
                changed =
                    Self.add(
                        Point(time: reading.now, first: market.mark, second: market.index), id: market.id,
                        symbol: market.symbol,
                        to: &state.markets, capacity: capacity) || changed
            }
            for asset in reading.assets {
                changed =
                    Self.add(
                        Point(time: reading.now, first: asset.fund, second: asset.deficit), id: asset.id,
                        symbol: asset.symbol,
                        to: &state.assets, capacity: capacity) || changed
            }
            if state.pendingLiquidations > 0 {
                let minute = reading.now / 60_000_000_000
                if let last = state.minutes.last, last.minute >= minute {
                    state.minutes[state.minutes.count - 1].liquidations += state.pendingLiquidations
                    state.minutes[state.minutes.count - 1].deleveraged += state.pendingDeleveraged
                } else {
                    state.minutes.append(
                        Minute(
                            minute: minute, liquidations: state.pendingLiquidations,
                            deleveraged: state.pendingDeleveraged))
                    if state.minutes.count > minutesKept {
                        state.minutes.removeFirst(state.minutes.count - minutesKept)
                    }
                }
                state.pendingLiquidations = 0
                state.pendingDeleveraged = 0
                changed = true
            }
            if changed { state.version &+= 1 }
        }
    }

    private static func add(
        _ point: Point, id: UInt32, symbol: String, to series: inout [Series], capacity: Int
    ) -> Bool {
        let index: Int
        if let found = series.firstIndex(where: { $0.id == id }) {
            index = found
            series[index].symbol = symbol
        } else {
            series.append(Series(id: id, symbol: symbol))
            index = series.count - 1
        }
        if let last = series[index].points.last, last.first == point.first, last.second == point.second { return false }
        series[index].points.append(point)
        if series[index].points.count > capacity {
            // Keep the first and the last point and every other one between.
            let points = series[index].points
            var kept: [Point] = []
            kept.reserveCapacity(capacity / 2 + 2)
            for (offset, point) in points.enumerated() where offset % 2 == 0 || offset == points.count - 1 {
                kept.append(point)
            }
            series[index].points = kept
        }
        return true
    }

    public var markets: [Series] { state.withLock { $0.markets } }
    public var assets: [Series] { state.withLock { $0.assets } }
    public var minutes: [Minute] { state.withLock { $0.minutes } }
    public var version: UInt64 { state.withLock { $0.version } }

    /// Starts sampling `engine`: a listener counts events and wakes a task that reads the
    /// engine (wake-ups coalesce: a burst of commits is one reading of the state after it). The
    /// task ends with `stop()`.
    func start(_ engine: JournaledEngine) async {
        let (wakeups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.continuation = continuation }
        let history = self
        _ = await engine.addListener { events, _ in
            if history.observe(events) { continuation.yield() }
        }
        let first = await engine.read { Self.reading($0) }
        record(first)
        Task.detached { [weak history] in
            for await _ in wakeups {
                let reading = await engine.read { Self.reading($0) }
                guard let history else { return }
                history.record(reading)
            }
        }
    }

    func stop() {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.finish()
    }
}
