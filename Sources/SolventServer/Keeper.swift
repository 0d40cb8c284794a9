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
///
/// With `dynamicMargin` set it also runs `DynamicMarginSchedule` on every committed price and
/// submits the raised (or relaxed) schedule of a market at the close of each period as a
/// `setRiskParameters` input; the schedule's state is saved in the store's settings after
/// every period so that a restart continues it. Where the venue has published a VaR scenario set,
/// the schedule also refreshes it at each period close by filtered historical simulation
/// (`DynamicMarginSchedule.scenarioUpdate`) and the keeper submits it as `configureVaRMargin`.
public final class Keeper: Sendable {
    public struct Configuration: Sendable {
        /// How often `tick` is sent and the flagged pools are swept even without a signal.
        public var tickInterval: Duration = .seconds(1)
        /// The account credited with keeper rewards (nil: none are paid).
        public var account: AccountID? = nil
        /// Passes over the flagged pools per sweep: a partial step leaves a pool in liquidation
        /// for the next pass; bounded so a sweep always ends.
        public var passesPerSweep = 8
        /// Dynamic margin from the markets' own price history (nil: the published schedules stay).
        public var dynamicMargin: DynamicMarginSchedule.Configuration?
        public init(
            tickInterval: Duration = .seconds(1), account: AccountID? = nil,
            dynamicMargin: DynamicMarginSchedule.Configuration? = nil
        ) {
            self.tickInterval = tickInterval
            self.account = account
            self.dynamicMargin = dynamicMargin
        }
    }

    let service: SolventService
    public let configuration: Configuration
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    /// Steps the engine refused since the state last changed: not resubmitted (and journaled)
    /// again until something moves, so a paused or stale market costs one refusal, not one a
    /// second.
    private let refused = Mutex<Set<Engine.PendingStep>>([])
    /// The dynamic margin schedule and the updates it computed that are not yet submitted.
    private let margin = Mutex<
        (
            schedule: DynamicMarginSchedule?, pending: [DynamicMarginSchedule.Update],
            scenarios: DynamicMarginSchedule.ScenarioUpdate?, dirty: Bool
        )
    >(
        (nil, [], nil, false))
    /// The store setting that holds the dynamic margin schedule's state.
    public static let dynamicMarginSetting = "keeper.dynamic-margin"

    public init(service: SolventService, configuration: Configuration = .init()) {
        self.service = service
        self.configuration = configuration
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let signal = signal
        if let configuration = configuration.dynamicMargin {
            // Nothing saved: the schedule starts afresh. A store that cannot be read leaves the
            // rule off rather than take a raised schedule for the published one.
            do {
                let saved = try await service.store.setting(Self.dynamicMarginSetting)
                let schedule = DynamicMarginSchedule(
                    configuration: configuration, restoring: saved.map { Data($0.utf8) })
                margin.withLock { $0.schedule = schedule }
                let minimum = DynamicMarginSchedule.minimumScenarios
                if configuration.window < minimum {
                    let message =
                        "keeper: a dynamic margin window of \(configuration.window) returns is below the \(minimum) "
                        + "scenarios a VaR set needs: a published VaR scenario set is left as it is\n"
                    FileHandle.standardError.write(Data(message.utf8))
                }
            } catch {
                FileHandle.standardError.write(
                    Data("keeper: dynamic margin is off: its saved state could not be read (\(error))\n".utf8))
            }
        }
        let listener = await service.engine.addListener(withState: { [self] events, _, engine in
            // Any applied input may change what the engine would refuse.
            if !events.isEmpty { refused.withLock { $0.removeAll() } }
            if observeMargin(events, engine) || events.contains(where: Keeper.needsSweep) { signal.yield() }
        })
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
            await submitMarginUpdates()
            await sweep()
        }
    }

    /// Feeds the committed prices and parameter changes to the dynamic margin schedule; true
    /// when it has an update to submit.
    private func observeMargin(_ events: [Event], _ engine: Engine) -> Bool {
        guard configuration.dynamicMargin != nil else { return false }
        return margin.withLock { state in
            guard var schedule = state.schedule else { return false }
            defer { state.schedule = schedule }
            let closedBefore = schedule.periodsClosed
            for event in events {
                let market: MarketID
                switch event {
                case .riskParametersSet(let id, let parameters):
                    schedule.parametersSet(market: id, parameters)
                    state.dirty = true
                    continue
                case .varMarginConfigured:
                    state.dirty = true
                    continue
                case .indexUpdated(let update): market = update.market
                case .markPriceSet(let id, _, _): market = id
                default: continue
                }
                // Options follow their underlying's smile, settled futures no longer move.
                guard let found = engine.market(market), !found.isOption, !found.settled else { continue }
                let price = found.index > 0 ? found.index : found.mark
                let closed = schedule.periodsClosed
                if let update = schedule.observe(
                    market: market, time: engine.now.nanoseconds, price: price, current: found.parameters)
                {
                    state.pending.removeAll { $0.market == market }
                    state.pending.append(update)
                }
                // Saved after every period, so that a restart keeps the history.
                if schedule.periodsClosed != closed { state.dirty = true }
            }
            if schedule.periodsClosed != closedBefore, let update = schedule.scenarioUpdate(inForce: engine.varMargin) {
                state.scenarios = update
            }
            return !state.pending.isEmpty || state.scenarios != nil || state.dirty
        }
    }

    /// Submits the computed schedules whose market still has the parameters they replace, then
    /// saves the schedule's state.
    private func submitMarginUpdates() async {
        let (updates, scenarios, saved) = margin.withLock {
            state -> ([DynamicMarginSchedule.Update], DynamicMarginSchedule.ScenarioUpdate?, Data?) in
            defer { (state.pending, state.scenarios, state.dirty) = ([], nil, false) }
            let changed = state.dirty || !state.pending.isEmpty || state.scenarios != nil
            return (state.pending, state.scenarios, changed ? state.schedule?.saved() : nil)
        }
        for update in updates {
            // Only over the parameters it was computed from: an operator's change wins.
            await submitConditionally(
                .setRiskParameters(market: update.market, update.parameters), counter: service.metrics.keeperMargin
            ) { $0.market(update.market)?.parameters == update.replacing }
        }
        if let scenarios {
            let command = Command.configureVaRMargin(scenarios.rules)
            // Only over the rules it was computed from: an operator's change wins.
            await submitConditionally(command, counter: service.metrics.keeperScenarios) {
                $0.varMargin == scenarios.replacing
            }
        }
        if let saved {
            try? await service.store.saveSetting(Self.dynamicMarginSetting, String(decoding: saved, as: UTF8.self))
        }
    }

    /// Submits an input the keeper computed from the state, if `condition` still holds when it is
    /// sequenced (otherwise nothing is submitted: the next period recomputes it); a refusal or a
    /// journal failure is counted as a miss.
    private func submitConditionally(
        _ command: Command, counter: ServiceMetrics.Counter, condition: @Sendable (Engine) -> Bool
    ) async {
        do {
            let submission = try await service.engine.submit(
                command, encoded: try? JournalCodec.encode(command), when: condition)
            if case .applied? = submission?.outcome {
                counter.increment()
            } else if submission != nil {
                service.metrics.keeperMisses.increment()
            }
        } catch {
            service.metrics.keeperMisses.increment()
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
