import Foundation
import SolventCore
import Synchronization

/// A committed event as the API shows it: its type, the accounts it concerns (for a trader's
/// stream), its JSON text (the stream's frame) and, for a liquidation, the document's type it was
/// written from (the liquidation history's reply).
public struct StreamEvent: Sendable, Hashable {
    public var sequence: UInt64
    public var type: String
    public var accounts: [UInt64]
    public var json: String
    var view: Components.Schemas.Event? = nil
}

/// Fans committed events out to WebSocket subscribers and keeps the recent liquidation, ADL,
/// margin-state and breaker history. Called synchronously by the journaled engine after each
/// commit (in sequence order), so it uses a lock, not an actor hop that could reorder.
public final class EventHub: Sendable {
    struct Subscriber {
        var account: UInt64?
        var continuation: AsyncStream<StreamEvent>.Continuation
    }

    struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 1
        var history: [StreamEvent] = []
        var counts: [String: Int] = [:]
    }

    private let state = Mutex(State())
    static let historyLimit = 2_000
    /// Event types kept in the history and streamed (the rest are bookkeeping).
    static let notable: Set<String> = [
        "marginStateChanged", "positionLiquidated", "breakerTripped", "breakerResumed",
        "auctionStarted", "auctionReset", "insuranceFunded", "deficitCovered",
    ]

    public init() {}

    func publish(_ events: [Event], sequence: UInt64, scale: EventView.Scales) {
        // Only notable events are rendered (history and stream); the rest are counted by type.
        var views: [StreamEvent] = []
        var others: [String] = []
        for event in events {
            guard let type = EventView.type(of: event) else { continue }
            if EventHub.notable.contains(type) {
                if let view = EventView.stream(event, sequence: sequence, scale: scale) { views.append(view) }
            } else {
                others.append(type)
            }
        }
        if views.isEmpty && others.isEmpty { return }
        state.withLock { state in
            for type in others { state.counts[type, default: 0] += 1 }
            for view in views {
                state.counts[view.type, default: 0] += 1
                state.history.append(view)
                if state.history.count > EventHub.historyLimit {
                    state.history.removeFirst(state.history.count - EventHub.historyLimit)
                }
                for id in state.subscribers.keys.sorted() {
                    let subscriber = state.subscribers[id]!
                    if let account = subscriber.account, !view.accounts.contains(account) { continue }
                    subscriber.continuation.yield(view)
                }
            }
        }
    }

    /// A stream of notable events (only those concerning `account` when given).
    public func subscribe(account: UInt64?) -> (id: UInt64, stream: AsyncStream<StreamEvent>) {
        let (stream, continuation) = AsyncStream<StreamEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(account: account, continuation: continuation)
            return id
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UInt64) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: id) }
        subscriber?.continuation.finish()
    }

    /// The most recent notable events, newest last (only `account`'s when given).
    public func history(types: Set<String>? = nil, account: UInt64? = nil, limit: Int) -> [StreamEvent] {
        state.withLock { state in
            var result: [StreamEvent] = []
            for event in state.history.reversed() where result.count < limit {
                if let types, !types.contains(event.type) { continue }
                if let account, !event.accounts.contains(account) { continue }
                result.append(event)
            }
            return result.reversed()
        }
    }

    public func count(_ type: String) -> Int { state.withLock { $0.counts[type, default: 0] } }

    func finishAll() {
        let all = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers = [:]
            return all
        }
        for subscriber in all { subscriber.continuation.finish() }
    }
}
