/// The deterministic margin engine: a state machine with one mutating entry point,
/// `execute(_:)`. Time, prices and ids arrive inside the input; the same inputs in the same order
/// give the same state and the same `digest()` on every run (DESIGN.md §4).
///
/// Every command is validated completely and turned into events before anything changes; the
/// events carry the state they leave behind, so applying them cannot fail.
public struct Engine: Sendable {
    public internal(set) var assets: [AssetState] = []
    public internal(set) var markets: [MarketState] = []
    /// Every position of each market (same index as `markets`), in the hot-path layout.
    public internal(set) var scanTables: [MaintenanceScanTable] = []
    /// Every position of each market by the mark of its next state change (same index as `markets`).
    public internal(set) var triggerIndexes: [MarketTriggers] = []
    /// Accounts in the order they were opened; index 0 is the venue's own book.
    public internal(set) var accounts: [Account] = []
    var assetIndexByID = IndexDirectory<AssetID>()
    var marketIndexByID = IndexDirectory<MarketID>()
    var accountIndexByID = AccountDirectory()
    public internal(set) var lastSequence: UInt64 = 0
    public internal(set) var now = Timestamp(nanoseconds: 0)
    var recentCommands = CommandWindow(capacity: Limits.commandIDsRemembered)
    /// Pools in margin call or in liquidation, open auctions, kept auto-deleveraging orders: a
    /// sub-state with its own apply.
    public internal(set) var liquidationBook = LiquidationBook()
    /// The latest commitment root recorded in the journal, nil before the first.
    public internal(set) var latestCommitment: CommitmentRoot? = nil
    /// The margin models' venue-wide parameters: a sub-state with its own plan and apply.
    public internal(set) var marginRules = MarginModelRules()
    /// Set when the engine is one shard of a venue (`VenueShard`), nil for a venue of one engine.
    public internal(set) var venue: VenueShard? = nil

    /// Pools in margin call or in liquidation, sorted by pool key.
    public var alerts: [(pool: PoolKey, alert: MarginAlert)] { liquidationBook.alerts }
    /// Open Dutch auctions, by id.
    public var auctions: [LiquidationAuction] { liquidationBook.auctions }
    /// Tests and the seeded simulation set this to run the auditor after every applied event;
    /// what it finds accumulates in `auditFindings` (O(state) per event: not for production).
    public var auditsEveryEvent = false
    /// Set for the length of one `execute` (a copy taken meanwhile, as the auditor takes one, only
    /// reads it): see `PlanMemo`.
    var planMemo: PlanMemo? = nil
    public private(set) var auditFindings: [String] = []

    public init() {
        accounts.append(Account(id: .venue))
        accountIndexByID[.venue] = 0
    }

    /// Applies one sequenced input and returns what happened.
    /// - Precondition: `input.sequence` is one more than the last, and time does not go back
    ///   (the sequencer guarantees both; a gap means a lost input, which must stop the engine).
    public mutating func execute(_ input: SequencedInput) -> Outcome {
        precondition(
            input.sequence == lastSequence &+ 1, "sequence gap: expected \(lastSequence &+ 1), got \(input.sequence)")
        precondition(input.timestamp >= now, "time went back: \(input.timestamp) < \(now)")
        // A commitment names the state before this input: its digest, clock included, is taken
        // before the clock moves (a full digest, paid only when a root is published).
        let digestBefore: String?
        if case .recordCommitment = input.command { digestBefore = digestHex() } else { digestBefore = nil }
        lastSequence = input.sequence
        now = input.timestamp
        if let id = input.commandID, recentCommands.contains(id) {
            return .rejected(Rejection(.duplicateCommand, field: "commandID", "command \(id) was already applied"))
        }
        // Only a step that may rank a side of its market from scratch has anything to keep.
        if case .liquidate(let account, let market, _) = input.command,
            mayScanDeleveraging(account: account, market: market)
        {
            planMemo = PlanMemo()
        }
        defer { planMemo = nil }
        switch plan(input.command, digestBefore: digestBefore) {
        case .failure(let rejection):
            return .rejected(rejection)
        case .success(let events):
            precondition(!events.isEmpty, "an applied command yields at least one event")
            // A large move flags many pools at once: grow the flag table once, not by doubling.
            if events.count > 64 {
                liquidationBook.alertsByPool.reserveCapacity(liquidationBook.alertsByPool.count + events.count)
            }
            for event in events {
                apply(event)
                if auditsEveryEvent {
                    for violation in Auditor.violations(in: self) + Auditor.violations(after: event, in: self) {
                        auditFindings.append("after \(event): \(violation)")
                    }
                }
            }
            if let id = input.commandID { recentCommands.insert(id) }
            return .applied(events)
        }
    }

    /// Validates a command against the current state and computes its events, changing nothing.
    func plan(_ command: Command, digestBefore: String? = nil) -> Result<[Event], Rejection> {
        switch command {
        case .createAsset(let spec): return planCreateAsset(spec)
        case .createMarket(let spec, let parameters): return planCreateMarket(spec, parameters)
        case .setRiskParameters(let market, let parameters): return planSetRiskParameters(market, parameters)
        case .openAccount(let id): return planOpenAccount(id)
        case .deposit(let account, let asset, let amount): return planDeposit(account, asset, amount)
        case .withdraw(let account, let asset, let amount): return planWithdraw(account, asset, amount)
        case .setLeverage(let account, let market, let leverage, let isolated):
            return planSetLeverage(account, market, leverage, isolated)
        case .adjustIsolatedMargin(let account, let market, let amount):
            return planAdjustIsolatedMargin(account, market, amount)
        case .applyFill(let fill): return planFill(fill)
        case .setIndexPrice(let asset, let price): return planSetIndexPrice(asset, price)
        case .configureCollateralOracle(let asset, let config): return planConfigureCollateralOracle(asset, config)
        case .updateCollateralOracle(let asset, let samples): return planUpdateCollateralOracle(asset, samples)
        case .setMarkPrice(let market, let mark, let index): return planSetMarkPrice(market, mark, index)
        case .settleFunding(let market, let rate): return planSettleFunding(market, rate)
        case .tick: return planTick()
        case .importPosition(let account, let market, let size, let entryPrice, let isolatedMargin):
            return planImportPosition(account, market, size, entryPrice, isolatedMargin)
        case .configureOracle(let market, let config): return planConfigureOracle(market, config)
        case .updateOracle(let market, let samples, let last, let mid):
            return planUpdateOracle(market, samples, last, mid)
        case .configureLiquidation(let market, let parameters): return planConfigureLiquidation(market, parameters)
        case .liquidate(let account, let market, let keeper): return planLiquidate(account, market, keeper: keeper)
        case .bidAuction(let auction, let bidder, let quantity, let limit):
            return planBidAuction(auction, bidder, quantity, limit)
        case .resetAuction(let auction, let keeper): return planResetAuction(auction, keeper: keeper)
        case .fundInsurance(let asset, let amount): return planFundInsurance(asset, amount)
        case .registerBackstop(let account, let market, let capacity):
            return planRegisterBackstop(account, market, capacity)
        case .recordCommitment(let root): return planRecordCommitment(root, digestBefore: digestBefore)
        case .setVolatilitySmile(let underlying, let smile): return planSetVolatilitySmile(underlying, smile)
        case .setMarginModel(let account, let model): return planSetMarginModel(account, model)
        case .configurePortfolioMargin, .configureVaRMargin, .configureSpanMargin, .configureGreeksMargin,
            .configureSpreadCredits:
            return planConfigureMarginModel(command)
        case .coverDeficit(let asset, let amount): return planCoverDeficit(asset, amount)
        case .liquidateWithDeleveraging(let account, let market, let keeper, let shares):
            return planLiquidate(account, market, keeper: keeper, shares: shares)
        case .joinVenue, .handOverLiquidation, .takeOverLiquidation, .reserveDeleveraging, .commitDeleveraging,
            .releaseDeleveraging:
            return planVenue(command)
        }
    }

    // MARK: Lookups that become rejections

    func assetIndex(_ id: AssetID, field: String) -> Result<Int32, Rejection> {
        guard let index = assetIndexByID[id] else {
            return .failure(Rejection(.unknownAsset, field: field, "no asset with id \(id)"))
        }
        return .success(index)
    }

    func marketIndex(_ id: MarketID, field: String) -> Result<Int32, Rejection> {
        guard let index = marketIndexByID[id] else {
            return .failure(Rejection(.unknownMarket, field: field, "no market with id \(id)"))
        }
        return .success(index)
    }

    func accountIndex(_ id: AccountID, field: String) -> Result<Int32, Rejection> {
        guard let index = accountIndexByID[id] else {
            return .failure(Rejection(.unknownAccount, field: field, "no account with id \(id); open it first"))
        }
        return .success(index)
    }

    /// The account and asset a command names, or the rejection for the first unknown one.
    func accountAndAsset(_ account: AccountID, _ asset: AssetID) -> Result<(Int32, Int32), Rejection> {
        accountIndex(account, field: "account").flatMap { a in assetIndex(asset, field: "asset").map { (a, $0) } }
    }

    /// The account and market a command names, or the rejection for the first unknown one.
    func accountAndMarket(_ account: AccountID, _ market: MarketID) -> Result<(Int32, Int32), Rejection> {
        accountIndex(account, field: "account").flatMap { a in marketIndex(market, field: "market").map { (a, $0) } }
    }

    // MARK: Read access for reports and tests

    public func account(_ id: AccountID) -> Account? {
        accountIndexByID[id].map { accounts[Int($0)] }
    }

    public func market(_ id: MarketID) -> MarketState? {
        marketIndexByID[id].map { markets[Int($0)] }
    }

    public func asset(_ id: AssetID) -> AssetState? {
        assetIndexByID[id].map { assets[Int($0)] }
    }

    public func marketIndex(of id: MarketID) -> Int32? { marketIndexByID[id] }
    public func assetIndex(of id: AssetID) -> Int32? { assetIndexByID[id] }
    public func accountIndex(of id: AccountID) -> Int32? { accountIndexByID[id] }
}

/// The ids of recently applied commands: a set for membership and a FIFO ring for eviction, so
/// memory stays bounded and the digest sees them in a deterministic order.
struct CommandWindow: Sendable, Codable {
    let capacity: Int
    private(set) var ring: [CommandID] = []
    private var oldest = 0
    private var members: Set<CommandID> = []

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ id: CommandID) -> Bool { members.contains(id) }

    mutating func insert(_ id: CommandID) {
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[oldest])
            ring[oldest] = id
            oldest = (oldest + 1) % capacity
        }
        members.insert(id)
    }

    /// Ids from oldest to newest.
    var inOrder: [CommandID] { Array(ring[oldest...]) + Array(ring[..<oldest]) }
}
