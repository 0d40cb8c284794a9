/// The venue-wide parameters of the account margin models — the portfolio model's scenarios, the
/// VaR models' series, the SPAN-style and Greeks-based charges, and the spread credits between
/// underlyings — as a sub-state of the engine with its own plan and apply.
///
/// Planning here checks the rules themselves; the engine adds what needs the rest of its state
/// (the markets a rule names, and the margin states of the accounts whose requirements change;
/// see `Engine.planConfigureMarginModel`). Applying is an assignment, and keeps the derived forms
/// the margin checks read (the portfolio grid, the VaR scenario sets) in step with the rules.
public struct MarginModelRules: Sendable {
    /// The scenarios of the portfolio margin model (accounts that chose it).
    public private(set) var portfolio = PortfolioMarginRules.deribitStyle {
        didSet { portfolioGrid = portfolio.grid }
    }
    /// `portfolio` in the risk layer's form, converted once per configuration rather than on every
    /// margin check of a portfolio account (derived: outside the digest).
    private(set) var portfolioGrid = PortfolioMarginRules.deribitStyle.grid
    /// The VaR models' scenario set and parameters (empty until configured).
    public private(set) var valueAtRisk = VaRMarginRules.unconfigured {
        didSet { varScenarios = VaRScenarioSets(valueAtRisk) }
    }
    /// `valueAtRisk`'s moves as fractions and the Monte Carlo draws, computed once per
    /// configuration (derived: outside the digest; a snapshot stores only the rules).
    private(set) var varScenarios = VaRScenarioSets(.unconfigured)
    /// The SPAN-style and Greeks-based models' parameters (defaults until configured).
    public private(set) var span = SpanMarginRules.standard
    public private(set) var greeks = GreeksMarginRules.standard
    /// The correlation offset between underlyings of those models and the portfolio model (none
    /// until configured: requirements add up).
    public private(set) var spreadCredits = SpreadCreditRules.none

    init() {}

    /// Rules restored from a snapshot, their derived forms computed afresh.
    init(
        portfolio: PortfolioMarginRules, valueAtRisk: VaRMarginRules, span: SpanMarginRules,
        greeks: GreeksMarginRules, spreadCredits: SpreadCreditRules
    ) {
        self.portfolio = portfolio
        portfolioGrid = portfolio.grid
        self.valueAtRisk = valueAtRisk
        varScenarios = VaRScenarioSets(valueAtRisk)
        self.span = span
        self.greeks = greeks
        self.spreadCredits = spreadCredits
    }

    /// The event a configuration command asks for once its rules pass their own checks, or nil
    /// for a command that configures none of these rules.
    static func plan(_ command: Command) throws(Rejection) -> Event? {
        let problem: (field: String, reason: String)?
        let event: Event
        switch command {
        case .configurePortfolioMargin(let rules):
            (problem, event) = (rules.validate(), .portfolioMarginConfigured(rules))
        case .configureVaRMargin(let rules): (problem, event) = (rules.validate(), .varMarginConfigured(rules))
        case .configureSpanMargin(let rules): (problem, event) = (rules.validate(), .spanMarginConfigured(rules))
        case .configureGreeksMargin(let rules): (problem, event) = (rules.validate(), .greeksMarginConfigured(rules))
        case .configureSpreadCredits(let rules): (problem, event) = (rules.validate(), .spreadCreditsConfigured(rules))
        default: return nil
        }
        if let (field, reason) = problem { throw Rejection(.invalidParameter, field: "rules.\(field)", reason) }
        return event
    }

    /// Whether an account under `model` has its requirement changed by a configuration event.
    static func changes(_ event: Event, requirementOf model: AccountMarginModel) -> Bool {
        switch event {
        case .portfolioMarginConfigured: model == .portfolio
        case .varMarginConfigured: model.usesVaRScenarios
        case .spanMarginConfigured: model == .span
        case .greeksMarginConfigured: model == .greeks
        case .spreadCreditsConfigured: [.portfolio, .span, .greeks].contains(model)
        default: false
        }
    }

    /// Applies a configuration event (one that `plan` produced).
    mutating func apply(_ event: Event) {
        switch event {
        case .portfolioMarginConfigured(let rules): portfolio = rules
        case .varMarginConfigured(let rules): valueAtRisk = rules
        case .spanMarginConfigured(let rules): span = rules
        case .greeksMarginConfigured(let rules): greeks = rules
        case .spreadCreditsConfigured(let rules): spreadCredits = rules
        default: preconditionFailure("not a margin model configuration: \(event)")
        }
    }
}
