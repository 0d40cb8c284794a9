import Foundation
import SolventCore
import SolventStore
import Synchronization

/// The service's own keeper: it liquidates, resets and ticks so that a venue needs no outside
/// process to stay solvent. Everything it does is an ordinary input through the journaled
/// engine (`liquidate`, `resetAuction`, `tick`), so the journal records it and a replay
/// reproduces it; it decides nothing the engine would not (the order comes from
/// `Engine.pendingLiquidations`, each step is re-checked and sized by the engine).
///
/// It wakes on every batch of events that may need a step (a pool entering liquidation, a step
/// that left a pool still in liquidation, an auction opened) and every `tickInterval`, when it
/// first sends `tick` (funding at its interval, dated futures past expiry, breaker cool-downs,
/// auction clocks) and then sweeps. Outside keepers may still submit steps; the engine refuses
/// a step that is no longer needed, and the keeper counts that as a miss, not an error.
public final class Keeper: Sendable {
    public struct Configuration: Sendable {
        /// How often `tick` is sent and the flagged pools are swept even without a signal.
        public var tickInterval: Duration = .seconds(1)
        /// The account credited with keeper rewards (nil: none are paid).
        public var account: AccountID? = nil
        /// Passes over the flagged pools per sweep: a partial step leaves a pool in liquidation
        /// for the next pass; bounded so a sweep always ends.
        public var passesPerSweep = 8
        public init(tickInterval: Duration = .seconds(1), account: AccountID? = nil) {
            self.tickInterval = tickInterval
            self.account = account
        }
    }

    let service: SolventService
    let configuration: Configuration
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    /// Steps the engine refused since the state last changed: not resubmitted (and journaled)
    /// again until something moves, so a paused or stale market costs one refusal, not one a
    /// second.
    private let refused = Mutex<Set<Engine.PendingStep>>([])

    public init(service: SolventService, configuration: Configuration = .init()) {
        self.service = service
        self.configuration = configuration
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let signal = signal
        let listener = await service.engine.addListener { [self] events, _ in
            // Any applied input may change what the engine would refuse.
            if !events.isEmpty { refused.withLock { $0.removeAll() } }
            if events.contains(where: Keeper.needsSweep) { signal.yield() }
        }
        defer { Task { [engine = service.engine] in await engine.removeListener(listener) } }
        let ticker = Task { [signal, interval = configuration.tickInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                signal.yield()
            }
        }
        defer { ticker.cancel() }
        var nextTick = ContinuousClock.now + configuration.tickInterval
        await sweep()
        for await _ in signals {
            if Task.isCancelled { break }
            // Ticks keep their cadence even when a sweep ran long (a late wake still ticks).
            if ContinuousClock.now >= nextTick {
                nextTick = ContinuousClock.now + configuration.tickInterval
                await submit(.tick, counter: service.metrics.keeperTicks)
            }
            await sweep()
        }
    }

    /// Events after which a step may be due.
    static func needsSweep(_ event: Event) -> Bool {
        switch event {
        case .marginStateChanged(let change): return change.to == .liquidating
        case .positionLiquidated, .auctionStarted, .auctionReset, .auctionUpdated: return true
        default: return false
        }
    }

    /// Resets stale auctions, then submits the pending liquidation steps worst first, pass after
    /// pass while steps apply.
    func sweep() async {
        for auction in await service.engine.read({ $0.staleAuctions() }) {
            await submit(
                .resetAuction(auction: auction, keeper: configuration.account), counter: service.metrics.keeperResets)
        }
        for _ in 0..<configuration.passesPerSweep {
            let skipped = refused.withLock { $0 }
            let pending = await service.engine.read { $0.pendingLiquidations() }.filter { !skipped.contains($0) }
            if pending.isEmpty { return }
            var applied = 0
            for step in pending {
                if Task.isCancelled { return }
                // An account earns no reward for its own liquidation.
                let keeper = step.account == configuration.account ? nil : configuration.account
                if await submit(
                    .liquidate(account: step.account, market: step.market, keeper: keeper),
                    counter: service.metrics.keeperSteps)
                {
                    applied += 1
                } else {
                    refused.withLock { _ = $0.insert(step) }
                }
            }
            if applied == 0 { return }
        }
    }

    /// Submits one input; true when it applied. A rejection is counted (a step an outside keeper
    /// took first, a breaker's pause, the rate limiter); a journal failure ends nothing here:
    /// the next sweep retries.
    @discardableResult
    private func submit(_ command: Command, counter: ServiceMetrics.Counter) async -> Bool {
        do {
            let submission = try await service.engine.submit(command, encoded: try? JournalCodec.encode(command))
            switch submission.outcome {
            case .applied:
                counter.increment()
                return true
            case .rejected:
                service.metrics.keeperMisses.increment()
                return false
            }
        } catch {
            service.metrics.keeperMisses.increment()
            return false
        }
    }
}
