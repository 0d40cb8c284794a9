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
        let root = try StrictJSON.decode(Located<Document>.self, from: data).value
        guard let assets = root.assets else {
            throw InputError("assets", "required: the assets the account holds and settles in")
        }
        guard let markets = root.markets else {
            throw InputError("markets", "required (an empty array if the account holds no position)")
        }
        guard let account = root.account else { throw InputError("account", "required") }
        var builder = Builder()
        for asset in assets { try builder.addAsset(asset) }
        for market in markets { try builder.addMarket(market) }
        try builder.addAccount(account)
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

    mutating func addAsset(_ entry: Located<PortfolioFile.Asset>) throws {
        let fields = entry.value
        guard let symbol = fields.symbol?.value, !symbol.isEmpty else {
            throw InputError(entry.child("symbol"), "required")
        }
        if assets[symbol] != nil { throw InputError(entry.child("symbol"), "asset \(symbol) is declared twice") }
        let scale = Int(try fields.scale?.integer(in: 0...12) ?? 8)
        var tiers: [CollateralTier] = []
        for tier in fields.collateralTiers ?? [] {
            guard let ratio = tier.value.ratio else { throw InputError(tier.child("ratio"), "required") }
            tiers.append(
                CollateralTier(
                    quantityCap: try tier.value.quantityCap.map {
                        Amount(atoms: try $0.atoms(scale: scale, what: "a quantity"))
                    },
                    ratio: Rate(atoms: try ratio.atoms(scale: Rate.scale, what: "a ratio"))))
        }
        let id = AssetID(UInt32(assets.count + 1))
        let spec = AssetSpec(
            id: id, symbol: symbol, scale: scale, collateralTiers: tiers,
            priceMaxAgeSeconds: try fields.priceMaxAgeSeconds?.integer(in: 1...86_400) ?? 60)
        commands.append((.createAsset(spec), entry.path))
        if let price = fields.indexPrice {
            commands.append(
                (
                    .setIndexPrice(
                        asset: id, price: Price(atoms: try price.atoms(scale: Price.scale, what: "a price"))),
                    price.path
                ))
        }
        assets[symbol] = (id, scale, entry.path, fields.indexPrice != nil)
    }

    mutating func addMarket(_ entry: Located<PortfolioFile.Market>) throws {
        let fields = entry.value
        var preset: MarketPresets.Preset? = nil
        if let name = fields.preset {
            guard let found = MarketPresets.named(name.value) else {
                throw InputError(
                    name.path,
                    "unknown preset \"\(name.value)\"; expected one of: \(MarketPresets.all.map(\.name).joined(separator: ", "))"
                )
            }
            preset = found
        }
        guard let symbol = fields.symbol?.value ?? preset?.symbol else {
            throw InputError(entry.child("symbol"), "required")
        }
        if markets[symbol] != nil { throw InputError(entry.child("symbol"), "market \(symbol) is declared twice") }
        let (kindText, kindPath) = try Self.given(fields.kind?.written, "kind", preset?.kind.rawValue, in: entry)
        guard let kind = InstrumentKind(rawValue: kindText) else {
            throw InputError(kindPath, "expected \"linear\" or \"inverse\", got \"\(kindText)\"")
        }
        let (settleSymbol, settlePath) = try Self.given(
            fields.settleAsset?.written, "settleAsset", preset?.settleSymbol, in: entry)
        guard let settle = assets[settleSymbol] else {
            throw InputError(settlePath, "market \(symbol) settles in \(settleSymbol): declare it in assets")
        }
        let contractSize = try quantity(
            Self.given(fields.contractSize?.written, "contractSize", preset?.contractSize, in: entry),
            what: "a contract size")
        let tickSize = try price(
            Self.given(fields.tickSize?.written, "tickSize", preset?.tickSize, in: entry), what: "a tick size")
        let lotSize = try quantity(
            Self.given(fields.lotSize?.written, "lotSize", preset?.lotSize, in: entry), what: "a lot size")
        // Checked here, not only by the engine: the positions below are tested against the lot
        // grid (a remainder by the lot size) before any command runs.
        for (value, key, field) in [
            (contractSize.atoms, "contractSize", fields.contractSize), (tickSize.atoms, "tickSize", fields.tickSize),
            (lotSize.atoms, "lotSize", fields.lotSize),
        ] where value <= 0 {
            throw InputError(
                field?.path ?? entry.child("preset"),
                "expected a positive \(key), got \(value == 0 ? "0" : "a negative number")")
        }
        let margin = try fields.margin.map { try Self.schedule($0, scale: settle.scale) } ?? preset?.margin
        guard let margin else { throw InputError(entry.child("margin"), "required (or use a preset)") }
        var expiry: Timestamp? = nil
        if let expiryField = fields.expiry {
            guard let date = ISO8601DateFormatter().date(from: expiryField.value) else {
                throw InputError(expiryField.path, "expected an ISO-8601 UTC time such as 2026-03-27T08:00:00Z")
            }
            // Nanoseconds since 1970 in 64 bits reach the year 2262; a later date is refused, not wrapped.
            let (nanoseconds, overflow) = Int64(date.timeIntervalSince1970).multipliedReportingOverflow(
                by: 1_000_000_000)
            guard !overflow else {
                throw InputError(
                    expiryField.path, "expected a time before 2262 (64-bit nanoseconds), got \(expiryField.value)")
            }
            expiry = Timestamp(nanoseconds: nanoseconds)
        }
        var parameters = RiskParameters(margin: margin)
        if let ratio = fields.marginCallRatio {
            parameters.marginCallRatio = Rate(atoms: try ratio.atoms(scale: Rate.scale, what: "a ratio"))
        }
        if let rate = fields.feeMakerRate {
            parameters.feeMakerRate = Rate(atoms: try rate.atoms(scale: Rate.scale, what: "a rate"))
        }
        if let rate = fields.feeTakerRate {
            parameters.feeTakerRate = Rate(atoms: try rate.atoms(scale: Rate.scale, what: "a rate"))
        }
        let id = MarketID(UInt32(markets.count + 1))
        let spec = MarketSpec(
            id: id, symbol: symbol, kind: kind, expiry: expiry, settleAsset: settle.id,
            contractSize: contractSize, tickSize: tickSize, lotSize: lotSize)
        commands.append((.createMarket(spec, parameters), entry.path))
        if let markField = fields.markPrice {
            let mark = Price(atoms: try markField.atoms(scale: Price.scale, what: "a price"))
            let index = try fields.indexPrice.map { Price(atoms: try $0.atoms(scale: Price.scale, what: "a price")) }
            commands.append((.setMarkPrice(market: id, mark: mark, index: index), markField.path))
        }
        markets[symbol] = (id, settleSymbol, settle.scale, lotSize.atoms, entry.path, fields.markPrice != nil)
    }

    /// A field as written, or the preset's value (located at the preset), or an error.
    private static func given(
        _ value: (text: String, path: String)?, _ key: String, _ fallback: String?,
        in entry: Located<PortfolioFile.Market>
    ) throws -> (String, String) {
        if let value { return value }
        if let fallback { return (fallback, entry.child("preset")) }
        throw InputError(entry.child(key), "required (or use a preset)")
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

    static func schedule(_ entry: Located<PortfolioFile.Schedule>, scale: Int) throws -> MarginSchedule {
        let fields = entry.value
        if let sized = fields.sizeScaled {
            func rate(_ field: NumberField?, _ key: String) throws -> Rate {
                guard let field else { throw InputError(sized.child(key), "required") }
                return Rate(atoms: try field.atoms(scale: Rate.scale, what: "a rate"))
            }
            return .sizeScaled(
                initialBase: try rate(sized.value.initialBase, "initialBase"),
                maintenanceBase: try rate(sized.value.maintenanceBase, "maintenanceBase"),
                ratePerContract: try rate(sized.value.ratePerContract, "ratePerContract"))
        }
        guard let tierEntries = fields.tiers else { throw InputError(entry.child("tiers"), "required (or sizeScaled)") }
        var tiers: [RiskTier] = []
        for tier in tierEntries {
            guard let im = tier.value.initialRate else { throw InputError(tier.child("initialRate"), "required") }
            guard let mm = tier.value.maintenanceRate else {
                throw InputError(tier.child("maintenanceRate"), "required")
            }
            tiers.append(
                RiskTier(
                    notionalCap: try tier.value.notionalCap.map {
                        Amount(atoms: try $0.atoms(scale: scale, what: "a notional"))
                    },
                    initialRate: Rate(atoms: try im.atoms(scale: Rate.scale, what: "a rate")),
                    maintenanceRate: Rate(atoms: try mm.atoms(scale: Rate.scale, what: "a rate"))))
        }
        switch RiskTierTable.make(tiers: tiers, deductsMaintenanceAmount: fields.deductMaintenanceAmount ?? true) {
        case .success(let table): return .tiered(table)
        case .failure(let error): throw InputError(entry.child(error.field), "expected \(error.reason)")
        }
    }

    mutating func addAccount(_ entry: Located<PortfolioFile.Account>) throws {
        commands.append((.openAccount(PortfolioFile.account), entry.path))
        var (deposits, depositPaths) = try collateral(entry.value.collateral?.value ?? [:])
        var positionCommands: [(Command, String)] = []
        var held: [String: String] = depositPaths.filter { deposits[$0.key]! > 0 }
        for position in entry.value.positions ?? [] {
            let p = position.value
            guard let symbolField = p.symbol else { throw InputError(position.child("symbol"), "required") }
            let symbol = symbolField.value
            guard let market = markets[symbol] else {
                throw InputError(
                    symbolField.path,
                    "no market \(symbol) in markets; expected one of: \(markets.keys.sorted().joined(separator: ", "))")
            }
            guard market.marked else {
                throw InputError("\(market.path).markPrice", "required: the account holds a position in \(symbol)")
            }
            guard let sizeField = p.size else {
                throw InputError(position.child("size"), "required (negative for a short)")
            }
            let size = try sizeField.atoms(scale: Quantity.scale, what: "a size")
            if size == 0 { throw InputError(sizeField.path, "expected a non-zero size (negative for a short)") }
            if size % market.lot != 0 {
                throw InputError(
                    sizeField.path, "expected a multiple of the lot size \(Quantity(atoms: market.lot)) of \(symbol)")
            }
            guard let entryField = p.entryPrice else { throw InputError(position.child("entryPrice"), "required") }
            let entryPrice = try entryField.atoms(scale: Price.scale, what: "a price")
            if entryPrice <= 0 { throw InputError(entryField.path, "expected a positive price") }
            let mode = p.marginMode?.value ?? "cross"
            guard mode == "cross" || mode == "isolated" else {
                throw InputError(p.marginMode!.path, "expected \"cross\" or \"isolated\", got \"\(mode)\"")
            }
            var isolatedMargin: Amount? = nil
            if mode == "isolated" {
                guard let marginField = p.isolatedMargin else {
                    throw InputError(position.child("isolatedMargin"), "required for an isolated position")
                }
                let atoms = try marginField.atoms(scale: market.scale, what: "an amount")
                guard atoms >= 0 else { throw InputError(marginField.path, "expected a non-negative amount") }
                deposits[market.settle] = try Self.add(deposits[market.settle, default: 0], atoms, at: marginField.path)
                isolatedMargin = Amount(atoms: atoms)
            } else if let marginField = p.isolatedMargin {
                throw InputError(marginField.path, "only an isolated position has isolated margin")
            }
            if let leverageField = p.leverage {
                let leverage = try leverageField.integer(in: 1...1_000)
                positionCommands.append(
                    (
                        .setLeverage(
                            account: PortfolioFile.account, market: market.id, leverage: leverage,
                            isolated: mode == "isolated"), leverageField.path
                    ))
            }
            positionCommands.append(
                (
                    .importPosition(
                        account: PortfolioFile.account, market: market.id, size: Quantity(atoms: size),
                        entryPrice: Price(atoms: entryPrice), isolatedMargin: isolatedMargin), position.path
                ))
            held[market.settle] = held[market.settle] ?? position.path
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
                    depositPaths[symbol] ?? entry.child("positions")
                ))
        }
        commands.append(contentsOf: positionCommands)
    }

    /// The collateral deposits in atoms by asset symbol, and where each was given.
    private func collateral(_ amounts: [String: NumberField]) throws -> ([String: Int64], [String: String]) {
        var deposits: [String: Int64] = [:]
        var paths: [String: String] = [:]
        for symbol in amounts.keys.sorted() {
            let amount = amounts[symbol]!
            guard let asset = assets[symbol] else {
                throw InputError(
                    amount.path, "unknown field; expected one of: \(assets.keys.sorted().joined(separator: ", "))")
            }
            let atoms = try amount.atoms(scale: asset.scale, what: "an amount")
            guard atoms >= 0 else { throw InputError(amount.path, "expected a non-negative amount") }
            deposits[symbol] = atoms
            paths[symbol] = amount.path
        }
        return (deposits, paths)
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
