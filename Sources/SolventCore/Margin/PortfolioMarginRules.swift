import SolventRisk

/// How an account's cross pool is margined.
public enum AccountMarginModel: String, Hashable, Sendable, Codable, CaseIterable {
    /// Every position on its own: the market's tier schedule for perpetuals and futures, the
    /// Deribit-style option formulas for options; requirements add up.
    case standard
    /// Positions netted per underlying (perpetuals, futures and the options on them) on the
    /// engine's scenario grid: initial margin is the worst weighted scenario loss, maintenance a
    /// fixed fraction of it; underlyings add up (`PortfolioMarginRules`).
    case portfolio
    /// Historical VaR (or ES) of all the pool's positions together over the venue's joint
    /// scenario set (`VaRMarginRules`); maintenance a fixed fraction of it.
    case historicalVaR = "historical-var"
    /// Parametric normal VaR (or ES): z × the EWMA volatility of the pool's P&L over the same
    /// scenarios (`VaRMarginRules.lambda`).
    case normalVaR = "normal-var"
    /// The same with a unit-variance Student-t quantile (`VaRMarginRules.degrees`).
    case studentTVaR = "student-t-var"
    /// VaR (or ES) over seeded Monte Carlo scenarios with the published scenarios' EWMA
    /// covariance (`VaRMarginRules.draws`, `.seed`), options revalued in full.
    case monteCarloVaR = "monte-carlo-var"
    /// SPAN-style risk arrays per underlying (`SpanMarginRules`): max(scan risk, short option minimum).
    case span
    /// Delta, gamma and vega charges per underlying (`GreeksMarginRules`).
    case greeks

    /// Whether the model reads the venue's VaR scenario set (`VaRMarginRules`).
    public var usesVaRScenarios: Bool {
        switch self {
        case .historicalVaR, .normalVaR, .studentTVaR, .monteCarloVaR: true
        case .standard, .portfolio, .span, .greeks: false
        }
    }
}

/// The portfolio margin model's scenarios (ccp-models.md §4): each moves the underlying by
/// `move` and every option's volatility by `volatilityShock` (relative, scaled by expiry as
/// (30 / max(floor, days))^power), its P&L counted `weight` times. Initial margin of a group is
/// max(0, −min weighted P&L); maintenance is initial × `maintenanceFactor`, rounded up.
public struct PortfolioMarginRules: Hashable, Sendable, Codable {
    public struct Scenario: Hashable, Sendable, Codable {
        public var move: Rate
        public var volatilityShock: Rate
        public var weight: Rate
        public init(move: Rate, volatilityShock: Rate, weight: Rate = .one) {
            self.move = move
            self.volatilityShock = volatilityShock
            self.weight = weight
        }
    }

    public var scenarios: [Scenario]
    public var shortVegaPower: Rate
    public var longVegaPower: Rate
    public var floorDays: Int64
    public var maintenanceFactor: Rate

    public init(
        scenarios: [Scenario], shortVegaPower: Rate, longVegaPower: Rate, floorDays: Int64, maintenanceFactor: Rate
    ) {
        self.scenarios = scenarios
        self.shortVegaPower = shortVegaPower
        self.longVegaPower = longVegaPower
        self.floorDays = floorDays
        self.maintenanceFactor = maintenanceFactor
    }

    /// The Deribit-style grid Paradex publishes (`ScenarioGrid.paradex`: ±16 % in 4 % steps ×
    /// volatility +40 % / −22 %, weighted tail moves −66 % … +500 %) with maintenance at 80 % of
    /// initial.
    public static let deribitStyle = rules(ScenarioGrid.paradex())

    /// `ScenarioGrid.uniform` as rules: `moves` underlying moves evenly from −`maxMove` to
    /// +`maxMove` (one move: none), each under every volatility shock, all of weight 1, no expiry
    /// scaling of the shocks, maintenance at 80 % of initial.
    public static func uniform(moves: Int, maxMove: Rate, volatilityShocks: [Rate]) -> PortfolioMarginRules {
        rules(
            ScenarioGrid.uniform(
                moves: moves, maxMove: maxMove.fraction, volatilityShocks: volatilityShocks.map(\.fraction)))
    }

    /// A risk-layer grid as rules (moves, shocks and weights to the nearest `Rate` atom),
    /// maintenance at 80 % of initial.
    static func rules(_ grid: ScenarioGrid) -> PortfolioMarginRules {
        func rate(_ value: Double) -> Rate { Rate(atoms: Int64((value * Double(Rate.oneAtoms)).rounded())) }
        return PortfolioMarginRules(
            scenarios: grid.scenarios.map {
                Scenario(move: rate($0.spotMove), volatilityShock: rate($0.volatilityShock), weight: rate($0.weight))
            },
            shortVegaPower: rate(grid.shortPower), longVegaPower: rate(grid.longPower),
            floorDays: Int64(grid.floorDays),
            maintenanceFactor: rate(0.8))
    }

    /// The risk layer's grid for these rules.
    var grid: ScenarioGrid {
        ScenarioGrid(
            scenarios: scenarios.map {
                .init(
                    spotMove: $0.move.fraction, volatilityShock: $0.volatilityShock.fraction,
                    weight: $0.weight.fraction)
            },
            shortPower: shortVegaPower.fraction, longPower: longVegaPower.fraction, floorDays: Double(floorDays))
    }

    func validate() -> (field: String, reason: String)? {
        if scenarios.isEmpty || scenarios.count > Limits.portfolioScenarios {
            return ("scenarios", "1 to \(Limits.portfolioScenarios) scenarios")
        }
        for (index, scenario) in scenarios.enumerated() {
            if scenario.move.atoms <= -Rate.oneAtoms || scenario.move.atoms > 10 * Rate.oneAtoms {
                return ("scenarios[\(index)].move", "a move above −1 and at most 10")
            }
            if scenario.volatilityShock.atoms <= -Rate.oneAtoms || scenario.volatilityShock.atoms > 10 * Rate.oneAtoms {
                return ("scenarios[\(index)].volatilityShock", "a shock above −1 and at most 10")
            }
            if scenario.weight.atoms <= 0 || scenario.weight.atoms > Rate.oneAtoms {
                return ("scenarios[\(index)].weight", "a weight above 0 and at most 1")
            }
        }
        for (name, power) in [("shortVegaPower", shortVegaPower), ("longVegaPower", longVegaPower)]
        where power.atoms < 0 || power.atoms > Rate.oneAtoms {
            return (name, "between 0 and 1")
        }
        if floorDays < 1 || floorDays > 365 { return ("floorDays", "1 to 365 days") }
        if maintenanceFactor.atoms <= 0 || maintenanceFactor.atoms > Rate.oneAtoms {
            return ("maintenanceFactor", "above 0 and at most 1")
        }
        return nil
    }
}
