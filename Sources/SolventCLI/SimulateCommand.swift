import ArgumentParser
import Foundation
import SolventCore
import SolventRisk
import SolventSimulation

/// `solvent simulate`: a liquidation cascade on a real (or user) price path, through the engine,
/// for a seeded or exported population; `--compare` runs the same crash under other settings.
public struct SimulateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Simulate a liquidation cascade on a price path through the engine (JSON on stdout, progress on stderr).",
        discussion: """
            The path is the bars of --prices (timestamp,open,high,low,close[,volume]); inside each bar the price goes \
            open → the extreme nearer the open → the farther extreme → close, at 0, ¼, ½ and ¾ of the bar (--path intrabar), \
            or only the close (--path close). The simulated price is the path's price moved by the impact of the \
            population's forced flow: sqrt: c·√(Q/D), linear: c·Q/D, with D = --depth × open interest, thinning with the \
            drawdown (D·max(floor, 1 − thinning·drawdown)) and decaying with --half-life.

            Several markets: --prices BTCUSDT=F1 --prices ETHUSDT=F2 runs each USDT-margined market on its own \
            path in one venue (the first file's points are the clock), each coin collateral following its market, \
            --accounts split evenly, --cross-market of the other markets' cross accounts sharing a wallet with a \
            first-market account, --funding SYMBOL=FILE per market.

            --compare KEY=VALUE[,KEY=VALUE...] (repeatable) adds a run with those overrides. Keys: mechanism \
            (orderbook|auction|backstop), loss (adl|socialized|venue), fund (× open interest), breaker (fraction or off), \
            maintenance (flat rate), margin (preset name), impact (none|linear|sqrt), coefficient, depth, thinning, \
            half-life (seconds or permanent), step (step fraction), penalty.
            """)

    @Option(
        help: ArgumentHelp(
            "OHLC bars (CSV: timestamp,open,high,low,close[,volume]). Repeat as SYMBOL=FILE "
                + "(BTCUSDT=F1 ETHUSDT=F2) to run several USDT-margined markets together.")
    )
    public var prices: [String] = []
    @Option(help: "First bar to use (ISO 8601, e.g. 2020-03-11T00:00:00Z).")
    public var from: String?
    @Option(help: "Last bar to use (ISO 8601).")
    public var to: String?
    @Option(help: "intrabar (open, nearer extreme, farther extreme, close) or close.")
    public var path = "intrabar"
    @Option(parsing: .unconditional, help: "Accounts in the seeded population.")
    public var accounts = 10_000
    @Option(help: "Seed of the population.")
    public var seed: UInt64 = 7
    @Option(help: "A venue's population instead (CSV: account,size,entry_price,collateral,collateral_asset,isolated).")
    public var population: String?
    @Option(help: "Also write the population used as CSV here.")
    public var writePopulation: String?
    @Option(parsing: .unconditional, help: "Median leverage of the seeded population.")
    public var leverageMedian = 8.0
    @Option(parsing: .unconditional, help: "Log-sd of the leverage.")
    public var leverageSigma = 0.9
    @Option(parsing: .unconditional, help: "Median position notional (USDT).")
    public var notionalMedian = 2_000.0
    @Option(parsing: .unconditional, help: "Share of long positions.")
    public var longFraction = 0.6
    @Option(parsing: .unconditional, help: "Share of isolated positions.")
    public var isolatedFraction = 0.3
    @Option(parsing: .unconditional, help: "Share of cross accounts with BTC as collateral.")
    public var coinCollateral = 0.1
    @Option(
        help:
            "The simulated market: linear (BTCUSDT, margined in USDT) or inverse (BTCUSD, 100-USD contracts margined in BTC)."
    )
    public var contract = "linear"
    @Option(
        help:
            "Margin: a tier preset (\(MarketPresets.all.map(\.name).joined(separator: ", "))) or portfolio (scenario margin on the Deribit-style grid). Default: binance-btcusdt-2021, or bitmex-xbtusd-2021 for --contract inverse."
    )
    public var margin: String?
    @Option(parsing: .unconditional, help: "A flat maintenance rate instead of the tiers (initial = 2 × maintenance).")
    public var maintenance: Double?
    @Option(help: "orderbook, auction or backstop.")
    public var mechanism = "orderbook"
    @Option(help: "Who bears losses beyond the fund: adl, socialized or venue.")
    public var loss = "adl"
    @Option(parsing: .unconditional, help: "Insurance fund at the start, as a fraction of open interest notional.")
    public var fund = 0.01
    @Option(
        help:
            "Price-move breaker: a mark move above this fraction within an hour pauses liquidations for 10 minutes (or off)."
    )
    public var breaker = "off"
    @Option(help: "Impact of forced flow: none, linear or sqrt.")
    public var impact = "sqrt"
    @Option(parsing: .unconditional, help: "Impact coefficient (c).")
    public var coefficient = 0.1
    @Option(parsing: .unconditional, help: "Depth D as a multiple of open interest (contracts).")
    public var depth = 1.0
    @Option(parsing: .unconditional, help: "Depth thinning with the drawdown.")
    public var thinning = 2.0
    @Option(help: "Impact half-life in seconds, or permanent.")
    public var halfLife = "3600"
    @Option(help: "Auditor: every-event, every-point, end (default: every-point up to 100,000 accounts, else end).")
    public var audit: String?
    @Option(help: "A run with these overrides beside the base run (repeatable).")
    public var compare: [String] = []
    @Option(help: "Also write a self-contained HTML report (inline SVG charts) here.")
    public var html: String?
    @Option(
        help: ArgumentHelp(
            "Funding rates to settle along the path (CSV: timestamp,funding_rate, e.g. ../shared/data/funding/); "
                + "SYMBOL=FILE for one of several markets (repeatable).")
    )
    public var funding: [String] = []
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "With several markets: the share of the other markets' cross accounts that also hold a position "
                + "on the first market, one wallet (default 0.5).")
    )
    public var crossMarket: Double?

    public init() {}

    public func run() throws {
        do {
            let report = try Self.simulate(self) { line in Diagnostics.write(line + "\n") }
            if let html {
                guard FileManager.default.createFile(atPath: html, contents: Data(SimulationReport.html(report).utf8))
                else {
                    throw InputError(html, "cannot write the file")
                }
                Diagnostics.write("simulate: wrote \(html)\n")
            }
            print(SimulationReport.json(report))
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The runs of one invocation: the path, the population, and each configuration's result.
    public struct Report {
        public var pricesFile: String
        public var path: [CascadeSimulator.PricePoint]
        public var populationSource: String
        public var runs: [SimulationResult]
        public var seconds: [Double]
    }

    public static func simulate(_ options: SimulateCommand, log: (String) -> Void) throws -> Report {
        let markets = try marketFiles(options)
        if markets[0].symbol != nil { return try simulateMarkets(options, markets: markets, log: log) }
        let pricesFile = markets[0].file
        if let given = options.crossMarket {
            throw InputError("--cross-market", "takes effect with several --prices SYMBOL=FILE, got \(given)")
        }
        let points = try path(of: pricesFile, options)
        var configs = try configurations(options)
        let base = configs[0]
        let (population, source) = try population(options, base: base, start: points[0].price.atoms)
        guard options.funding.count <= 1 else {
            throw InputError("--funding", "one file for one market (SYMBOL=FILE with several --prices)")
        }
        let funding = try options.funding.first.map { try fundingInside(points, file: $0) } ?? []
        if let file = options.writePopulation {
            guard FileManager.default.createFile(atPath: file, contents: Data(PopulationFile.format(population).utf8))
            else {
                throw InputError(file, "cannot write the file")
            }
        }
        // Depth is given as a multiple of the population's open interest (so a sample of a venue
        // cascades like the whole venue); the simulator takes contracts.
        let longs = population.reduce(0.0) { $0 + max(0, Double($1.size)) } / 1e8
        let shorts = population.reduce(0.0) { $0 + max(0, -Double($1.size)) } / 1e8
        for index in configs.indices { configs[index].impact.depth *= max(longs, shorts, 0.001) }
        var runs: [SimulationResult] = []
        var seconds: [Double] = []
        for config in configs {
            let started = Date()
            log("simulate [\(config.label)]: setting up \(population.count) accounts")
            var simulator: CascadeSimulator
            do { simulator = try CascadeSimulator(config: config, population: population, start: points[0]) } catch let
                error as CascadeSimulator.SetupError
            {
                throw InputError(config.label, error.description)
            }
            log(
                "simulate [\(config.label)]: set up in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(points.count) points to run"
            )
            let every = max(1, points.count / 20)
            let result = simulator.run(path: points, funding: funding) { done, total, point in
                if done % every == 0 || done == total {
                    log(
                        "simulate [\(config.label)]: \(done)/\(total) points, price \(format(point.price)) (path \(format(point.exogenous))), fund \(format(point.fund)), bad debt \(format(point.badDebt))"
                    )
                }
            }
            seconds.append(Date().timeIntervalSince(started))
            log(
                "simulate [\(config.label)]: \(result.steps) steps, \(formatted(result.liquidatedNotional, "%.0f")) USDT liquidated in \(formatted(seconds.last!, "%.1f")) s"
            )
            runs.append(result)
        }
        return Report(pricesFile: pricesFile, path: points, populationSource: source, runs: runs, seconds: seconds)
    }

    /// The settlements of a funding file that fall on the path; a file with none there is
    /// refused (a wrong file or range, not a run without funding).
    static func fundingInside(_ points: [CascadeSimulator.PricePoint], file: String) throws -> [FundingFile.Point] {
        let (first, last) = (points.first!.time, points.last!.time)
        let settlements = try FundingFile.load(path: file, from: first, to: last)
        guard !settlements.isEmpty else {
            throw InputError(
                file,
                "no funding settlement between \(SimulationReport.iso(first.nanoseconds)) and "
                    + "\(SimulationReport.iso(last.nanoseconds)), the path's first and last points")
        }
        return settlements
    }

    /// The population of a run: the venue's file, or the seeded generator's; and how it was made.
    static func population(
        _ options: SimulateCommand, base: SimulationConfig, start: Int64
    ) throws -> ([SimulatedAccount], String) {
        let population: [SimulatedAccount]
        let source: String
        if let file = options.population {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw InputError(file, "cannot read the file")
            }
            do {
                population = try PopulationFile.parse(
                    text, lotSize: CascadeSimulator.lotSize(base.contract), inverse: base.contract == .inverse)
            } catch let problem as PopulationFile.Problem {
                throw InputError(file, problem.description)
            }
            source = file
        } else {
            let spec = populationSpec(options)
            do {
                population = try PopulationGenerator.make(
                    spec, startPrice: start, margin: base.margin,
                    lotSize: CascadeSimulator.lotSize(base.contract),
                    coinHaircut: CascadeSimulator.coinHaircut, contract: base.contract)
            } catch let problem as PopulationGenerator.Problem {
                throw InputError("population", problem.description)
            }
            source =
                "seeded: \(options.accounts) accounts, seed \(options.seed), leverage median \(options.leverageMedian) (log-sd \(options.leverageSigma)), notional median \(options.notionalMedian) USDT, \(options.longFraction) long, \(options.isolatedFraction) isolated, \(options.coinCollateral) of cross on BTC collateral"
        }
        return (population, source)
    }

    /// The seeded population's shape from the options.
    static func populationSpec(_ options: SimulateCommand) -> PopulationSpec {
        var spec = PopulationSpec(accounts: options.accounts, seed: options.seed)
        spec.leverageMedian = options.leverageMedian
        spec.leverageSigma = options.leverageSigma
        spec.notionalMedian = options.notionalMedian
        spec.longFraction = options.longFraction
        spec.isolatedFraction = options.isolatedFraction
        spec.coinCollateralFraction = options.coinCollateral
        return spec
    }

    static func timestamp(_ text: String, _ option: String) throws -> Timestamp {
        guard let time = OHLCVFile.parseTimestamp(text) else {
            throw InputError(option, "expected an ISO 8601 time such as 2020-03-11T00:00:00Z")
        }
        return time
    }

    static func format(_ value: Double) -> String { formatted(value, "%.1f") }

    /// The base run's configuration, then one per `--compare` entry with its overrides.
    static func configurations(_ options: SimulateCommand) throws -> [SimulationConfig] {
        var base = try configuration(options)
        base.label = "base"
        var configs = [base]
        for text in options.compare {
            var variant = base
            try apply(overrides: text, to: &variant)
            variant.label = text
            configs.append(variant)
        }
        return configs
    }

    /// The base configuration from the options.
    static func configuration(_ options: SimulateCommand) throws -> SimulationConfig {
        guard let contract = SimulationConfig.Contract(rawValue: options.contract) else {
            throw InputError("--contract", "expected linear or inverse, got \(options.contract)")
        }
        let preset = options.margin ?? (contract == .inverse ? "bitmex-xbtusd-2021" : "binance-btcusdt-2021")
        var config = SimulationConfig(
            margin: try schedule(preset: preset, maintenance: options.maintenance, contract: contract),
            impact: MarketImpact(shape: .squareRoot, coefficient: 0, depth: 1))
        config.contract = contract
        try apply(key: "coefficient", value: "\(options.coefficient)", to: &config)
        try apply(key: "mechanism", value: options.mechanism, to: &config)
        try apply(key: "loss", value: options.loss, to: &config)
        try apply(key: "fund", value: "\(options.fund)", to: &config)
        try apply(key: "breaker", value: options.breaker, to: &config)
        try apply(key: "impact", value: options.impact, to: &config)
        try apply(key: "depth", value: "\(options.depth)", to: &config)
        try apply(key: "thinning", value: "\(options.thinning)", to: &config)
        try apply(key: "half-life", value: options.halfLife, to: &config)
        config.impact.floor = 0.2
        if let audit = options.audit {
            guard let level = SimulationConfig.AuditLevel(rawValue: audit) else {
                throw InputError("--audit", "expected every-event, every-point or end")
            }
            config.audit = level
        } else {
            config.audit = options.population == nil && options.accounts > 100_000 ? .end : .everyPoint
        }
        return config
    }

    static func schedule(
        preset: String, maintenance: Double?, contract: SimulationConfig.Contract
    ) throws -> MarginSchedule {
        if preset == "portfolio" && maintenance == nil { return portfolioSchedule() }
        if let rate = maintenance {
            guard rate > 0 && rate <= 0.5 else {
                throw InputError("maintenance", "expected a rate above 0, at most 0.5")
            }
            let tier = RiskTier(
                notionalCap: nil, initialRate: Rate(atoms: Int64((2 * rate * 1e9).rounded())),
                maintenanceRate: Rate(atoms: Int64((rate * 1e9).rounded())))
            return .tiered(try RiskTierTable.make(tiers: [tier]).get())
        }
        guard let preset = MarketPresets.named(preset) else {
            throw InputError(
                "margin",
                "unknown preset \(preset); expected portfolio or one of \(MarketPresets.all.map(\.name).joined(separator: ", "))"
            )
        }
        // A preset's tier caps are in its settlement asset: a USDT table would be read as BTC.
        guard (preset.kind == .inverse) == (contract == .inverse) else {
            let fitting = MarketPresets.all.filter { ($0.kind == .inverse) == (contract == .inverse) }.map(\.name)
                .joined(separator: ", ")
            throw InputError(
                "margin",
                "\(preset.name) is a \(preset.kind.rawValue) market's table; for --contract \(contract.rawValue) use \(fitting), portfolio or --maintenance"
            )
        }
        return preset.margin
    }

    /// Portfolio margin of a one-perpetual account: the scan risk of one contract long and one
    /// short on the Deribit-style grid (`ScenarioGrid.paradex`: ±16 % and the weighted tail
    /// moves), the larger as the initial rate, maintenance half of it (the option files'
    /// default factor). For a single linear position the scenario model is a flat rate, so it
    /// becomes a one-tier table the engine applies as is.
    static func portfolioSchedule(maintenanceFactor: Double = 0.5) -> MarginSchedule {
        let grid = ScenarioGrid.paradex()
        let long = ScenarioMargin.evaluate(options: [], linear: 1, spot: 1, grid: grid).scanRisk
        let short = ScenarioMargin.evaluate(options: [], linear: -1, spot: 1, grid: grid).scanRisk
        let initial = max(long, short)
        let tier = RiskTier(
            notionalCap: nil, initialRate: Rate(atoms: Int64((initial * 1e9).rounded(.up))),
            maintenanceRate: Rate(atoms: Int64((initial * maintenanceFactor * 1e9).rounded(.up))))
        return .tiered(try! RiskTierTable.make(tiers: [tier]).get())
    }

    /// Applies "key=value,key=value" overrides (a `--compare` entry).
    static func apply(overrides: String, to config: inout SimulationConfig) throws {
        let pairs = overrides.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        guard !pairs.isEmpty, pairs.allSatisfy({ $0.count == 2 && !$0[0].isEmpty }) else {
            throw InputError("--compare \(overrides)", "expected KEY=VALUE[,KEY=VALUE...]")
        }
        for pair in pairs {
            try apply(
                key: pair[0].trimmingCharacters(in: .whitespaces), value: pair[1].trimmingCharacters(in: .whitespaces),
                to: &config)
        }
    }

    static func apply(key: String, value: String, to config: inout SimulationConfig) throws {
        func number(_ low: Double, _ high: Double) throws -> Double {
            guard let number = Double(value), number >= low, number <= high else {
                throw InputError(key, "expected a number from \(low) to \(high), got \(value)")
            }
            return number
        }
        switch key {
        case "mechanism":
            guard let mechanism = SimulationConfig.Mechanism(rawValue: value) else {
                throw InputError(key, "expected orderbook, auction or backstop, got \(value)")
            }
            config.mechanism = mechanism
        case "loss":
            guard let loss = SimulationConfig.LossAllocation(rawValue: value) else {
                throw InputError(key, "expected adl, socialized or venue, got \(value)")
            }
            config.lossAllocation = loss
        case "fund": config.insuranceFundFraction = try number(0, 10)
        case "breaker": config.breakerThreshold = value == "off" ? nil : try number(0.001, 0.99)
        case "maintenance":
            config.margin = try schedule(preset: "", maintenance: try number(0.0001, 0.5), contract: config.contract)
        case "margin": config.margin = try schedule(preset: value, maintenance: nil, contract: config.contract)
        case "impact":
            guard let shape = MarketImpact.Shape(rawValue: value) else {
                throw InputError(key, "expected none, linear or sqrt, got \(value)")
            }
            config.impact.shape = shape
        case "coefficient": config.impact.coefficient = try number(0, 10)
        case "depth": config.impact.depth = try number(0.000001, 1_000)  // × open interest, resolved at run time
        case "thinning": config.impact.thinning = try number(0, 100)
        case "half-life": config.impact.halfLifeSeconds = value == "permanent" ? nil : try number(1, 1e9)
        case "step": config.stepFraction = try number(0.01, 1)
        case "penalty": config.penaltyRate = try number(0, 0.1)
        default:
            throw InputError(
                key,
                "unknown setting; expected mechanism, loss, fund, breaker, maintenance, margin, impact, coefficient, depth, thinning, half-life, step or penalty"
            )
        }
    }
}
