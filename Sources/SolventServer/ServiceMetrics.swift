import CoreMetrics
import Metrics
import Prometheus
import SolventCore

/// The service's metrics through swift-metrics, exported by swift-prometheus at `/metrics`. Each
/// service owns its registry (no process-wide bootstrap, so tests can run several services).
public final class ServiceMetrics: Sendable {
    typealias Counter = CoreMetrics.Counter
    let registry = PrometheusCollectorRegistry()
    let applied: CoreMetrics.Counter
    let rejected: CoreMetrics.Counter
    let liquidations: CoreMetrics.Counter
    let deleveraged: CoreMetrics.Counter
    let breakerTrips: CoreMetrics.Counter
    let marginCalls: CoreMetrics.Counter
    let sequence: CoreMetrics.Gauge
    let latency: CoreMetrics.Timer
    /// What the built-in keeper submitted: steps, auction resets and ticks that applied, and
    /// inputs the engine refused (a step already taken, a paused market) or the journal failed.
    let keeperSteps: CoreMetrics.Counter
    let keeperResets: CoreMetrics.Counter
    let keeperTicks: CoreMetrics.Counter
    /// Dynamic margin schedules the keeper put in force.
    let keeperMargin: CoreMetrics.Counter
    /// VaR scenario sets the keeper refreshed.
    let keeperScenarios: CoreMetrics.Counter
    let keeperMisses: CoreMetrics.Counter

    public init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        applied = CoreMetrics.Counter(
            label: "solvent_commands_total", dimensions: [("result", "applied")], factory: factory)
        rejected = CoreMetrics.Counter(
            label: "solvent_commands_total", dimensions: [("result", "rejected")], factory: factory)
        liquidations = CoreMetrics.Counter(label: "solvent_liquidation_steps_total", factory: factory)
        deleveraged = CoreMetrics.Counter(label: "solvent_deleveraged_positions_total", factory: factory)
        breakerTrips = CoreMetrics.Counter(label: "solvent_breaker_trips_total", factory: factory)
        marginCalls = CoreMetrics.Counter(label: "solvent_margin_calls_total", factory: factory)
        sequence = CoreMetrics.Gauge(label: "solvent_sequence", factory: factory)
        latency = CoreMetrics.Timer(label: "solvent_command_duration_seconds", factory: factory)
        keeperSteps = CoreMetrics.Counter(
            label: "solvent_keeper_inputs_total", dimensions: [("input", "liquidate")], factory: factory)
        keeperResets = CoreMetrics.Counter(
            label: "solvent_keeper_inputs_total", dimensions: [("input", "resetAuction")], factory: factory)
        keeperTicks = CoreMetrics.Counter(
            label: "solvent_keeper_inputs_total", dimensions: [("input", "tick")], factory: factory)
        keeperMargin = CoreMetrics.Counter(
            label: "solvent_keeper_inputs_total", dimensions: [("input", "setRiskParameters")], factory: factory)
        keeperScenarios = CoreMetrics.Counter(
            label: "solvent_keeper_inputs_total", dimensions: [("input", "configureVaRMargin")], factory: factory)
        keeperMisses = CoreMetrics.Counter(label: "solvent_keeper_refused_total", factory: factory)
    }

    func record(_ events: [SolventCore.Event], sequence value: UInt64) {
        sequence.record(Double(value))
        for event in events {
            switch event {
            case .positionLiquidated(let step):
                liquidations.increment()
                if !step.counterparties.isEmpty { deleveraged.increment(by: step.counterparties.count) }
            case .breakerTripped: breakerTrips.increment()
            case .marginStateChanged(let change) where change.to == .marginCall: marginCalls.increment()
            default: break
            }
        }
    }

    public func exposition() -> String { registry.emitToString() }
}
