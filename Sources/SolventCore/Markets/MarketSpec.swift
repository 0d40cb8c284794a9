/// How a contract pays out.
public enum InstrumentKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// USDT/USDC-margined: PnL = size × contractSize × (exit − entry), settled in the quote.
    case linear
    /// Coin-margined: each contract is worth `contractSize` quote units (USD); PnL in the coin is
    /// size × contractSize × (1/entry − 1/exit).
    case inverse
}

/// The static definition of a market: what the contract is and its trading grid.
public struct MarketSpec: Hashable, Sendable, Codable {
    public var id: MarketID
    public var symbol: String
    public var kind: InstrumentKind
    /// nil for a perpetual; the expiry time of a dated future.
    public var expiry: Timestamp?
    /// The asset PnL, margin and fees are paid in (USDT for BTCUSDT, BTC for BTCUSD inverse).
    public var settleAsset: AssetID
    /// Linear: base units per contract (1 for BTCUSDT in base units). Inverse: USD per contract.
    public var contractSize: Quantity
    public var tickSize: Price
    public var lotSize: Quantity
    /// Set for an option market: then `kind` is `.linear` (positions are valued at the
    /// premium), `expiry` is required, and the mark derives from the underlying's.
    public var option: OptionTerms?

    public init(
        id: MarketID, symbol: String, kind: InstrumentKind, expiry: Timestamp? = nil,
        settleAsset: AssetID, contractSize: Quantity, tickSize: Price, lotSize: Quantity,
        option: OptionTerms? = nil
    ) {
        self.id = id
        self.symbol = symbol
        self.kind = kind
        self.expiry = expiry
        self.settleAsset = settleAsset
        self.contractSize = contractSize
        self.tickSize = tickSize
        self.lotSize = lotSize
        self.option = option
    }

    public func validate() -> MarketSpecError? {
        if symbol.isEmpty || symbol.utf8.count > 32 { return .init(field: "symbol", reason: "1 to 32 bytes of UTF-8") }
        if contractSize.atoms <= 0 { return .init(field: "contractSize", reason: "positive") }
        if tickSize.atoms <= 0 { return .init(field: "tickSize", reason: "positive") }
        if lotSize.atoms <= 0 { return .init(field: "lotSize", reason: "positive") }
        if let option {
            if kind != .linear {
                return .init(field: "kind", reason: "linear for an option (positions are valued at the premium)")
            }
            if expiry == nil { return .init(field: "expiry", reason: "an expiry time for an option") }
            if option.underlying == id { return .init(field: "option.underlying", reason: "another market") }
            if let error = option.validate() { return error }
        }
        return nil
    }
}

/// The parameters a venue tunes while a market trades (a `SetRiskParameters` command).
public struct RiskParameters: Hashable, Sendable, Codable {
    public var margin: MarginSchedule
    public var feeMakerRate: Rate
    public var feeTakerRate: Rate
    /// Seconds between funding settlements on a perpetual (0 = only explicit `SettleFunding`).
    public var fundingInterval: Int64
    /// A mark older than this (nanoseconds) is stale: fills and withdrawals that need it are refused.
    public var priceMaxAge: Int64
    /// Margin ratio (maintenance / equity) at or above which an account is in margin call.
    public var marginCallRatio: Rate
    /// A pool in liquidation leaves it only once equity ≥ maintenance × (1 + this buffer), so it
    /// does not flip in and out around the threshold.
    public var liquidationExitBuffer: Rate
    /// A dated future settles at the time-weighted average of its index (its mark where no
    /// index is published) over this window before expiry (nanoseconds), so one print cannot
    /// move the settlement price; 0 or nil: at the mark in force at expiry (nil for markets
    /// declared before the window existed, whose journals must replay unchanged).
    public var settlementWindow: Int64?

    public init(
        margin: MarginSchedule, feeMakerRate: Rate = .zero, feeTakerRate: Rate = .zero,
        fundingIntervalSeconds: Int64 = 8 * 3600, priceMaxAgeSeconds: Int64 = 60,
        marginCallRatio: Rate = Rate(atoms: 800_000_000), liquidationExitBuffer: Rate = Rate(atoms: 100_000_000),
        settlementWindowSeconds: Int64 = 1_800
    ) {
        self.margin = margin
        self.feeMakerRate = feeMakerRate
        self.feeTakerRate = feeTakerRate
        self.fundingInterval = fundingIntervalSeconds * 1_000_000_000
        self.priceMaxAge = priceMaxAgeSeconds * 1_000_000_000
        self.marginCallRatio = marginCallRatio
        self.liquidationExitBuffer = liquidationExitBuffer
        self.settlementWindow =
            settlementWindowSeconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? -1 : settlementWindowSeconds * 1_000_000_000
    }

    public func validate() -> MarketSpecError? {
        if feeMakerRate.atoms < 0 || feeMakerRate.atoms > Rate.oneAtoms / 10 {
            return .init(field: "feeMakerRate", reason: "between 0 and 0.1")
        }
        if feeTakerRate.atoms < 0 || feeTakerRate.atoms > Rate.oneAtoms / 10 {
            return .init(field: "feeTakerRate", reason: "between 0 and 0.1")
        }
        if fundingInterval < 0 { return .init(field: "fundingInterval", reason: "zero or positive") }
        if priceMaxAge <= 0 { return .init(field: "priceMaxAge", reason: "positive") }
        if marginCallRatio.atoms <= 0 || marginCallRatio.atoms > Rate.oneAtoms {
            return .init(field: "marginCallRatio", reason: "between 0 (exclusive) and 1")
        }
        if liquidationExitBuffer.atoms < 0 || liquidationExitBuffer.atoms > Rate.oneAtoms {
            return .init(field: "liquidationExitBuffer", reason: "between 0 and 1")
        }
        if let window = settlementWindow, window < 0 || window > 7 * 86_400 * 1_000_000_000 {
            return .init(field: "settlementWindowSeconds", reason: "from 0 to 604800 (a week)")
        }
        if case .sizeScaled(let im, let mm, let per) = margin {
            if mm.atoms <= 0 || im.atoms < mm.atoms || im.atoms > Rate.oneAtoms || per.atoms < 0 {
                return .init(field: "margin", reason: "0 < maintenanceBase ≤ initialBase ≤ 1, ratePerContract ≥ 0")
            }
        }
        return nil
    }
}
