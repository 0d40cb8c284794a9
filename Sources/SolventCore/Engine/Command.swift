/// What the engine is asked to do. Commands are imperative; every one is validated completely
/// before anything changes (DESIGN.md §4).
public enum Command: Hashable, Sendable, Codable {
    case createAsset(AssetSpec)
    case createMarket(MarketSpec, RiskParameters)
    case setRiskParameters(market: MarketID, RiskParameters)
    case openAccount(AccountID)
    case deposit(account: AccountID, asset: AssetID, amount: Amount)
    case withdraw(account: AccountID, asset: AssetID, amount: Amount)
    /// Leverage (1 up to the schedule's maximum) and margin mode for one market; the mode can
    /// change only while the account has no position there.
    case setLeverage(account: AccountID, market: MarketID, leverage: Int64, isolated: Bool)
    /// Moves margin between the wallet and an isolated position (positive adds).
    case adjustIsolatedMargin(account: AccountID, market: MarketID, amount: Amount)
    case applyFill(Fill)
    case setIndexPrice(asset: AssetID, price: Price)
    case setMarkPrice(market: MarketID, mark: Price, index: Price?)
    /// Pays funding at `rate` of each position's notional at mark: longs pay shorts when positive.
    case settleFunding(market: MarketID, rate: Rate)
    /// Time-driven work: settles dated futures whose expiry has passed (at a fresh mark).
    case tick
    /// Admin migration of a position from another system: the account takes `size` at
    /// `entryPrice`, the venue's book the opposite side; isolated margin comes from the wallet.
    /// No margin check (the import states an existing position, it does not trade).
    case importPosition(
        account: AccountID, market: MarketID, size: Quantity, entryPrice: Price, isolatedMargin: Amount?)
    /// Sets (or replaces) a market's price sources, aggregation and circuit-breaker rules.
    case configureOracle(market: MarketID, OracleConfig)
    /// Source samples and the venue's own last trade and mid: the engine computes index and mark.
    case updateOracle(market: MarketID, samples: [OracleSample], last: Price?, mid: Price?)
    /// Prices a collateral asset from several sources (replacing its rules if it had them); from
    /// then on its price comes only from `updateCollateralOracle`.
    case configureCollateralOracle(asset: AssetID, CollateralOracleConfig)
    /// Source samples of a collateral asset: the engine credits a price from them.
    case updateCollateralOracle(asset: AssetID, samples: [OracleSample])
    /// Sets how a market liquidates.
    case configureLiquidation(market: MarketID, LiquidationParameters)
    /// One liquidation step for the account's position in the market, at the current mark: the
    /// sequencer (or a keeper) submits it for each pool a mark update flagged, worst first. The
    /// keeper, if named, earns the market's keeper reward (order book and backstop steps) or the
    /// auction's tip and chip (an auction market, where the step starts an auction).
    case liquidate(account: AccountID, market: MarketID, keeper: AccountID? = nil)
    /// Takes up to `quantity` of an open auction's lot at its current price, if that price is no
    /// worse for the bidder than `limitPrice` (at most it for a long lot, which the bidder buys;
    /// at least it for a short lot, which the bidder sells).
    case bidAuction(auction: UInt64, bidder: AccountID, quantity: Quantity, limitPrice: Price)
    /// Restarts an auction that is too old or too low at the current mark; the keeper, if named,
    /// earns the tip and chip again.
    case resetAuction(auction: UInt64, keeper: AccountID?)
    /// Money from outside into an asset's insurance fund (the venue seeding or topping it up).
    case fundInsurance(asset: AssetID, amount: Amount)
    /// Money from outside that closes (part of) an asset's recorded deficit.
    case coverDeficit(asset: AssetID, amount: Amount)
    /// Registers (or re-sizes; capacity 0 removes) a backstop liquidity provider for a market.
    case registerBackstop(account: AccountID, market: MarketID, capacity: Amount)
    /// Records a commitment to every account at the state just before this input: the
    /// store builds it (only it holds the salts' secret), the engine accepts it only for its own
    /// previous sequence and state digest, so every published root sits in the journal right
    /// after the state it commits to, and a replay checks it again.
    case recordCommitment(CommitmentRoot)
    /// Publishes (or replaces) one expiry's volatility smile of an underlying market:
    /// the options on it with that expiry are re-marked.
    case setVolatilitySmile(underlying: MarketID, VolatilitySmile)
    /// Chooses how an account's cross pool is margined: the standard per-position
    /// rules or the engine's portfolio (scenario) rules. A user action: refused if the account
    /// would fall below its initial margin.
    case setMarginModel(account: AccountID, AccountMarginModel)
    /// Sets the scenarios and maintenance factor of the portfolio margin model.
    case configurePortfolioMargin(PortfolioMarginRules)
    /// Publishes the historical-VaR model's joint scenario set and parameters.
    case configureVaRMargin(VaRMarginRules)
    /// The SPAN-style and Greeks-based models' parameters.
    case configureSpanMargin(SpanMarginRules)
    case configureGreeksMargin(GreeksMarginRules)
    /// The inter-commodity spread credits of the portfolio, SPAN and Greeks models.
    case configureSpreadCredits(SpreadCreditRules)
    /// Makes this engine shard `shard` of a venue of `shards` (`VenueShard`): only as the engine's
    /// first command, before any asset, market or account.
    case joinVenue(shard: UInt32, shards: UInt32)
    /// A venue shard gives up the liquidation baton: its insurance funds, fund-draw windows and
    /// liquidation-rate limiters leave it (the event carries them to the next holder).
    case handOverLiquidation
    /// A venue shard takes the liquidation baton as another shard handed it over.
    case takeOverLiquidation(VenueLiquidationState)
    /// Holds part of a position for a cross-shard auto-deleveraging step.
    case reserveDeleveraging(DeleveragingReservation)
    /// Closes a reserved share at the step's account price against this shard's book.
    case commitDeleveraging(reservation: UInt64, price: Price)
    /// Ends a reservation without closing anything (the step did not run).
    case releaseDeleveraging(reservation: UInt64)
    /// A liquidation step on a venue shard with the auto-deleveraging shares the coordinator
    /// allocated across the venue (shares of accounts on other shards go to this shard's book).
    case liquidateWithDeleveraging(
        account: AccountID, market: MarketID, keeper: AccountID?, shares: [DeleveragingShare])
}

/// A trade between two accounts (either may be the venue's book, `AccountID.venue`).
public struct Fill: Hashable, Sendable, Codable {
    public enum Side: String, Hashable, Sendable, Codable { case buyer, seller }
    public var market: MarketID
    public var buyer: AccountID
    public var seller: AccountID
    /// Positive size in contracts, on the market's lot grid.
    public var quantity: Quantity
    /// On the market's tick grid.
    public var price: Price
    /// Which side took liquidity (pays the taker fee; the other pays the maker fee).
    public var taker: Side

    public init(market: MarketID, buyer: AccountID, seller: AccountID, quantity: Quantity, price: Price, taker: Side) {
        self.market = market
        self.buyer = buyer
        self.seller = seller
        self.quantity = quantity
        self.price = price
        self.taker = taker
    }
}

/// A command with its place in the total order: the only input the engine accepts.
public struct SequencedInput: Hashable, Sendable, Codable {
    /// One more than the previous input's.
    public var sequence: UInt64
    /// Not earlier than the previous input's.
    public var timestamp: Timestamp
    /// The client's idempotency key; nil for system inputs such as ticks.
    public var commandID: CommandID?
    public var command: Command

    public init(sequence: UInt64, timestamp: Timestamp, commandID: CommandID?, command: Command) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.commandID = commandID
        self.command = command
    }
}

/// The result of one input: a rejection, or the events it caused (never empty).
public enum Outcome: Hashable, Sendable, Codable {
    case rejected(Rejection)
    case applied([Event])

    public var rejection: Rejection? {
        if case .rejected(let rejection) = self { return rejection }
        return nil
    }

    public var events: [Event] {
        if case .applied(let events) = self { return events }
        return []
    }
}
