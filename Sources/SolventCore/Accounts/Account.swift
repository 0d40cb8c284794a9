/// A margin account: wallet balances per asset, positions (cross or isolated) and per-market
/// settings. Arrays are kept sorted (balances by asset index, positions and settings by market
/// index), so every walk over them is in a deterministic order.
public struct Account: Hashable, Sendable, Codable {
    public var id: AccountID
    /// Wallet balance per asset: deposits − withdrawals + realized PnL + funding − fees.
    public var balances: [Balance]
    public var positions: [Position]
    public var settings: [MarketSetting]
    /// How the cross pool is margined; isolated positions always use standard margin.
    public var marginModel: AccountMarginModel = .standard

    public init(id: AccountID) {
        self.id = id
        self.balances = []
        self.positions = []
        self.settings = []
    }

    public var isVenue: Bool { id == .venue }

    /// One asset's wallet balance.
    public struct Balance: Hashable, Sendable, Codable {
        public var assetIndex: Int32
        public var atoms: Int64
    }

    /// The account's choice for one market: leverage and margin mode.
    public struct MarketSetting: Hashable, Sendable, Codable {
        public var marketIndex: Int32
        public var leverage: Int64
        public var isolated: Bool
    }

    public func balance(assetIndex: Int32) -> Int64 {
        for balance in balances where balance.assetIndex == assetIndex { return balance.atoms }
        return 0
    }

    public func positionSlot(marketIndex: Int32) -> Int? {
        positions.firstIndex { $0.marketIndex == marketIndex }
    }

    public func setting(marketIndex: Int32) -> MarketSetting? {
        settings.first { $0.marketIndex == marketIndex }
    }

    /// Sets one asset's balance, keeping the array sorted. Entries are kept at zero too: the
    /// cross pool walks balances to find every settlement asset (bounded by the asset count).
    public mutating func setBalance(assetIndex: Int32, atoms: Int64) {
        if let slot = balances.firstIndex(where: { $0.assetIndex == assetIndex }) {
            balances[slot].atoms = atoms
            return
        }
        let insertAt = balances.firstIndex { $0.assetIndex > assetIndex } ?? balances.endIndex
        balances.insert(Balance(assetIndex: assetIndex, atoms: atoms), at: insertAt)
    }

    /// Replaces (or inserts, or with `nil` removes) the position in one market, keeping order.
    public mutating func setPosition(_ position: Position?, marketIndex: Int32) {
        let slot = positionSlot(marketIndex: marketIndex)
        switch (slot, position) {
        case (let slot?, let position?): positions[slot] = position
        case (let slot?, nil): positions.remove(at: slot)
        case (nil, let position?):
            let insertAt = positions.firstIndex { $0.marketIndex > marketIndex } ?? positions.endIndex
            positions.insert(position, at: insertAt)
        case (nil, nil): break
        }
    }

    public mutating func setSetting(_ setting: MarketSetting) {
        if let slot = settings.firstIndex(where: { $0.marketIndex == setting.marketIndex }) {
            settings[slot] = setting
        } else {
            let insertAt = settings.firstIndex { $0.marketIndex > setting.marketIndex } ?? settings.endIndex
            settings.insert(setting, at: insertAt)
        }
    }
}
