import Foundation
import SolventCore

/// A portfolio file (`solvent margin --portfolio FILE.json`): asset and market definitions, their
/// prices, and one account's collateral and positions. Loading turns it into ordinary engine
/// commands, so the report is computed by the engine itself. The schema is in docs/margin.md.
public struct PortfolioFile {
    /// The commands that build the state, each with the file path it came from.
    public var commands: [(Command, String)]
    public static let account = AccountID(1)

    public static func load(path: String) throws -> PortfolioFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read the file")
        }
        do {
            return try parse(data)
        } catch let error as InputError {
            throw InputError(error.location.isEmpty ? path : "\(path): \(error.location)", error.message)
        }
    }

    public static func parse(_ data: Data) throws -> PortfolioFile {
        let root = try JSONNode.parse(data).object(allowed: ["assets", "markets", "account"])
        guard let assetsNode = root["assets"] else {
            throw InputError("assets", "required: the assets the account holds and settles in")
        }
        guard let marketsNode = root["markets"] else {
            throw InputError("markets", "required (an empty array if the account holds no position)")
        }
        guard let accountNode = root["account"] else { throw InputError("account", "required") }
        var builder = Builder()
        for node in try assetsNode.array() { try builder.addAsset(node) }
        for node in try marketsNode.array() { try builder.addMarket(node) }
        try builder.addAccount(accountNode)
        return PortfolioFile(commands: builder.commands)
    }

    /// Executes the commands in a fresh engine; a rejection becomes an error naming the field.
    public func buildEngine() throws -> Engine {
        var engine = Engine()
        for (sequence, (command, path)) in commands.enumerated() {
            let input = SequencedInput(
                sequence: UInt64(sequence + 1), timestamp: Timestamp(nanoseconds: 1),
                commandID: nil, command: command)
            if let rejection = engine.execute(input).rejection {
                throw InputError(path, rejection.message)
            }
        }
        return engine
    }
}

/// Accumulates commands while reading the file; remembers symbols for cross references.
private struct Builder {
    var commands: [(Command, String)] = []
    var assets: [String: (id: AssetID, scale: Int, path: String, priced: Bool)] = [:]
    var markets: [String: (id: MarketID, settle: String, scale: Int, lot: Int64, path: String, marked: Bool)] = [:]

    mutating func addAsset(_ node: JSONNode) throws {
        let fields = try node.object(allowed: [
            "symbol", "scale", "indexPrice", "collateralTiers", "priceMaxAgeSeconds",
        ])
        guard let symbol = try fields["symbol"]?.string(), !symbol.isEmpty else {
            throw InputError("\(node.path).symbol", "required")
        }
        if assets[symbol] != nil { throw InputError("\(node.path).symbol", "asset \(symbol) is declared twice") }
        let scale = Int(try fields["scale"]?.integer(in: 0...12) ?? 8)
        var tiers: [CollateralTier] = []
        for tier in try fields["collateralTiers"]?.array() ?? [] {
            let t = try tier.object(allowed: ["quantityCap", "ratio"])
            guard let ratio = t["ratio"] else { throw InputError("\(tier.path).ratio", "required") }
            tiers.append(
                CollateralTier(
                    quantityCap: try t["quantityCap"].map {
                        Amount(atoms: try $0.atoms(scale: scale, what: "a quantity"))
                    },
                    ratio: Rate(atoms: try ratio.atoms(scale: Rate.scale, what: "a ratio"))))
        }
        let id = AssetID(UInt32(assets.count + 1))
        let spec = AssetSpec(
            id: id, symbol: symbol, scale: scale, collateralTiers: tiers,
            priceMaxAgeSeconds: try fields["priceMaxAgeSeconds"]?.integer(in: 1...86_400) ?? 60)
        commands.append((.createAsset(spec), node.path))
        if let price = fields["indexPrice"] {
            commands.append(
                (
                    .setIndexPrice(
                        asset: id, price: Price(atoms: try price.atoms(scale: Price.scale, what: "a price"))),
                    price.path
                ))
        }
        assets[symbol] = (id, scale, node.path, fields["indexPrice"] != nil)
    }

    mutating func addMarket(_ node: JSONNode) throws {
        let fields = try node.object(allowed: [
            "preset", "symbol", "kind", "settleAsset", "contractSize", "tickSize", "lotSize",
            "expiry", "margin", "markPrice", "indexPrice", "marginCallRatio",
            "feeMakerRate", "feeTakerRate",
        ])
        var preset: MarketPresets.Preset? = nil
        if let name = fields["preset"] {
            let text = try name.string()
            guard let found = MarketPresets.named(text) else {
                throw InputError(
                    name.path,
                    "unknown preset \"\(text)\"; expected one of: \(MarketPresets.all.map(\.name).joined(separator: ", "))"
                )
            }
            preset = found
        }
        func text(_ key: String, _ fallback: String?) throws -> (String, String) {
            if let node = fields[key] { return (try node.decimalTextOrString(), node.path) }
            if let fallback { return (fallback, "\(node.path).preset") }
            throw InputError("\(node.path).\(key)", "required (or use a preset)")
        }
        let symbol =
            try fields["symbol"]?.string() ?? preset?.symbol
            ?? { throw InputError("\(node.path).symbol", "required") }()
        if markets[symbol] != nil { throw InputError("\(node.path).symbol", "market \(symbol) is declared twice") }
        let (kindText, kindPath) = try text("kind", preset?.kind.rawValue)
        guard let kind = InstrumentKind(rawValue: kindText) else {
            throw InputError(kindPath, "expected \"linear\" or \"inverse\", got \"\(kindText)\"")
        }
        let (settleSymbol, settlePath) = try text("settleAsset", preset?.settleSymbol)
        guard let settle = assets[settleSymbol] else {
            throw InputError(settlePath, "market \(symbol) settles in \(settleSymbol): declare it in assets")
        }
        let contractSize = try quantity(text("contractSize", preset?.contractSize), what: "a contract size")
        let tickSize = try price(text("tickSize", preset?.tickSize), what: "a tick size")
        let lotSize = try quantity(text("lotSize", preset?.lotSize), what: "a lot size")
        // Checked here, not only by the engine: the positions below are tested against the lot
        // grid (a remainder by the lot size) before any command runs.
        for (value, key) in [
            (contractSize.atoms, "contractSize"), (tickSize.atoms, "tickSize"), (lotSize.atoms, "lotSize"),
        ] where value <= 0 {
            throw InputError(
                fields[key]?.path ?? "\(node.path).preset",
                "expected a positive \(key), got \(value == 0 ? "0" : "a negative number")")
        }
        let margin = try fields["margin"].map { try Self.schedule($0, scale: settle.scale) } ?? preset?.margin
        guard let margin else { throw InputError("\(node.path).margin", "required (or use a preset)") }
        var expiry: Timestamp? = nil
        if let expiryNode = fields["expiry"] {
            let text = try expiryNode.string()
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw InputError(expiryNode.path, "expected an ISO-8601 UTC time such as 2026-03-27T08:00:00Z")
            }
            // Nanoseconds since 1970 in 64 bits reach the year 2262; a later date is refused, not wrapped.
            let (nanoseconds, overflow) = Int64(date.timeIntervalSince1970).multipliedReportingOverflow(
                by: 1_000_000_000)
            guard !overflow else {
                throw InputError(expiryNode.path, "expected a time before 2262 (64-bit nanoseconds), got \(text)")
            }
            expiry = Timestamp(nanoseconds: nanoseconds)
        }
        var parameters = RiskParameters(margin: margin)
        if let ratio = fields["marginCallRatio"] {
            parameters.marginCallRatio = Rate(atoms: try ratio.atoms(scale: Rate.scale, what: "a ratio"))
        }
        if let rate = fields["feeMakerRate"] {
            parameters.feeMakerRate = Rate(atoms: try rate.atoms(scale: Rate.scale, what: "a rate"))
        }
        if let rate = fields["feeTakerRate"] {
            parameters.feeTakerRate = Rate(atoms: try rate.atoms(scale: Rate.scale, what: "a rate"))
        }
        let id = MarketID(UInt32(markets.count + 1))
        let spec = MarketSpec(
            id: id, symbol: symbol, kind: kind, expiry: expiry, settleAsset: settle.id,
            contractSize: contractSize, tickSize: tickSize, lotSize: lotSize)
        commands.append((.createMarket(spec, parameters), node.path))
        if let markNode = fields["markPrice"] {
            let mark = Price(atoms: try markNode.atoms(scale: Price.scale, what: "a price"))
            let index = try fields["indexPrice"].map { Price(atoms: try $0.atoms(scale: Price.scale, what: "a price")) }
            commands.append((.setMarkPrice(market: id, mark: mark, index: index), markNode.path))
        }
        markets[symbol] = (id, settleSymbol, settle.scale, lotSize.atoms, node.path, fields["markPrice"] != nil)
    }

    private func quantity(_ value: (String, String), what: String) throws -> Quantity {
        guard case .success(let atoms) = DecimalText.parse(value.0, scale: Quantity.scale) else {
            throw InputError(value.1, "expected \(what) with at most \(Quantity.scale) decimals, got \"\(value.0)\"")
        }
        return Quantity(atoms: atoms)
    }

    private func price(_ value: (String, String), what: String) throws -> Price {
        guard case .success(let atoms) = DecimalText.parse(value.0, scale: Price.scale) else {
            throw InputError(value.1, "expected \(what) with at most \(Price.scale) decimals, got \"\(value.0)\"")
        }
        return Price(atoms: atoms)
    }

    /// `{"tiers": [...], "deductMaintenanceAmount": true}` or `{"sizeScaled": {...}}`.
    static func schedule(_ node: JSONNode, scale: Int) throws -> MarginSchedule {
        let fields = try node.object(allowed: ["tiers", "deductMaintenanceAmount", "sizeScaled"])
        if let sized = fields["sizeScaled"] {
            let s = try sized.object(allowed: ["initialBase", "maintenanceBase", "ratePerContract"])
            func rate(_ key: String) throws -> Rate {
                guard let value = s[key] else { throw InputError("\(sized.path).\(key)", "required") }
                return Rate(atoms: try value.atoms(scale: Rate.scale, what: "a rate"))
            }
            return .sizeScaled(
                initialBase: try rate("initialBase"), maintenanceBase: try rate("maintenanceBase"),
                ratePerContract: try rate("ratePerContract"))
        }
        guard let tiersNode = fields["tiers"] else {
            throw InputError("\(node.path).tiers", "required (or sizeScaled)")
        }
        var tiers: [RiskTier] = []
        for tier in try tiersNode.array() {
            let t = try tier.object(allowed: ["notionalCap", "initialRate", "maintenanceRate"])
            guard let im = t["initialRate"] else { throw InputError("\(tier.path).initialRate", "required") }
            guard let mm = t["maintenanceRate"] else { throw InputError("\(tier.path).maintenanceRate", "required") }
            tiers.append(
                RiskTier(
                    notionalCap: try t["notionalCap"].map {
                        Amount(atoms: try $0.atoms(scale: scale, what: "a notional"))
                    },
                    initialRate: Rate(atoms: try im.atoms(scale: Rate.scale, what: "a rate")),
                    maintenanceRate: Rate(atoms: try mm.atoms(scale: Rate.scale, what: "a rate"))))
        }
        switch RiskTierTable.make(
            tiers: tiers, deductsMaintenanceAmount: try fields["deductMaintenanceAmount"]?.bool() ?? true)
        {
        case .success(let table): return .tiered(table)
        case .failure(let error): throw InputError("\(node.path).\(error.field)", "expected \(error.reason)")
        }
    }

    mutating func addAccount(_ node: JSONNode) throws {
        let fields = try node.object(allowed: ["collateral", "positions"])
        commands.append((.openAccount(PortfolioFile.account), node.path))
        var deposits: [String: Int64] = [:]
        var depositPaths: [String: String] = [:]
        for (symbol, amountNode) in try fields["collateral"]?.object(allowed: Array(assets.keys).sorted()) ?? [:] {
            let atoms = try amountNode.atoms(scale: assets[symbol]!.scale, what: "an amount")
            guard atoms >= 0 else { throw InputError(amountNode.path, "expected a non-negative amount") }
            deposits[symbol] = try Self.add(deposits[symbol, default: 0], atoms, at: amountNode.path)
            depositPaths[symbol] = amountNode.path
        }
        var positionCommands: [(Command, String)] = []
        var held: [String: String] = depositPaths.filter { deposits[$0.key]! > 0 }
        for positionNode in try fields["positions"]?.array() ?? [] {
            let p = try positionNode.object(allowed: [
                "symbol", "size", "entryPrice", "marginMode", "isolatedMargin", "leverage",
            ])
            guard let symbolNode = p["symbol"] else { throw InputError("\(positionNode.path).symbol", "required") }
            let symbol = try symbolNode.string()
            guard let market = markets[symbol] else {
                throw InputError(
                    symbolNode.path,
                    "no market \(symbol) in markets; expected one of: \(markets.keys.sorted().joined(separator: ", "))")
            }
            guard market.marked else {
                throw InputError("\(market.path).markPrice", "required: the account holds a position in \(symbol)")
            }
            guard let sizeNode = p["size"] else {
                throw InputError("\(positionNode.path).size", "required (negative for a short)")
            }
            let size = try sizeNode.atoms(scale: Quantity.scale, what: "a size")
            if size == 0 { throw InputError(sizeNode.path, "expected a non-zero size (negative for a short)") }
            if size % market.lot != 0 {
                throw InputError(
                    sizeNode.path, "expected a multiple of the lot size \(Quantity(atoms: market.lot)) of \(symbol)")
            }
            guard let entryNode = p["entryPrice"] else {
                throw InputError("\(positionNode.path).entryPrice", "required")
            }
            let entry = try entryNode.atoms(scale: Price.scale, what: "a price")
            if entry <= 0 { throw InputError(entryNode.path, "expected a positive price") }
            let mode = try p["marginMode"]?.string() ?? "cross"
            guard mode == "cross" || mode == "isolated" else {
                throw InputError(p["marginMode"]!.path, "expected \"cross\" or \"isolated\", got \"\(mode)\"")
            }
            var isolatedMargin: Amount? = nil
            if mode == "isolated" {
                guard let marginNode = p["isolatedMargin"] else {
                    throw InputError("\(positionNode.path).isolatedMargin", "required for an isolated position")
                }
                let atoms = try marginNode.atoms(scale: market.scale, what: "an amount")
                guard atoms >= 0 else { throw InputError(marginNode.path, "expected a non-negative amount") }
                deposits[market.settle] = try Self.add(deposits[market.settle, default: 0], atoms, at: marginNode.path)
                isolatedMargin = Amount(atoms: atoms)
            } else if let marginNode = p["isolatedMargin"] {
                throw InputError(marginNode.path, "only an isolated position has isolated margin")
            }
            if let leverageNode = p["leverage"] {
                let leverage = try leverageNode.integer(in: 1...1_000)
                positionCommands.append(
                    (
                        .setLeverage(
                            account: PortfolioFile.account, market: market.id, leverage: leverage,
                            isolated: mode == "isolated"), leverageNode.path
                    ))
            }
            positionCommands.append(
                (
                    .importPosition(
                        account: PortfolioFile.account, market: market.id, size: Quantity(atoms: size),
                        entryPrice: Price(atoms: entry), isolatedMargin: isolatedMargin), positionNode.path
                ))
            held[market.settle] = held[market.settle] ?? positionNode.path
        }
        for (symbol, path) in held.sorted(by: { $0.key < $1.key }) where !assets[symbol]!.priced {
            throw InputError(
                "\(assets[symbol]!.path).indexPrice", "required: the account holds or settles in \(symbol) (\(path))")
        }
        for symbol in deposits.keys.sorted() where deposits[symbol]! > 0 {
            commands.append(
                (
                    .deposit(
                        account: PortfolioFile.account, asset: assets[symbol]!.id,
                        amount: Amount(atoms: deposits[symbol]!)),
                    depositPaths[symbol] ?? "\(node.path).positions"
                ))
        }
        commands.append(contentsOf: positionCommands)
    }

    /// A deposit total (collateral plus isolated margins in one asset) that must fit 64 bits.
    private static func add(_ total: Int64, _ atoms: Int64, at path: String) throws -> Int64 {
        let (sum, overflow) = total.addingReportingOverflow(atoms)
        guard !overflow else {
            throw InputError(path, "the account's deposits of this asset exceed 64-bit fixed point")
        }
        return sum
    }
}

extension JSONNode {
    /// A field that may be a decimal number or a plain string (kind, symbol).
    func decimalTextOrString() throws -> String {
        if let text = value as? String { return text }
        return try decimalText()
    }
}
