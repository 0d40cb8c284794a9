import SolventCore
import SolventRandom

/// One account of a simulated venue: a single position in the simulated market, and the
/// collateral behind it.
public struct SimulatedAccount: Hashable, Sendable {
    public enum Collateral: String, Hashable, Sendable {
        /// The settlement stablecoin (USDT).
        case settlement = "USDT"
        /// The underlying coin of the row's market (BTC for BTCUSDT): its value falls with a
        /// long position's (wrong-way risk).
        case coin = "BTC"
    }

    public var id: UInt64
    /// Signed size (Quantity atoms, positive: long).
    public var size: Int64
    /// Entry price (Price atoms).
    public var entryPrice: Int64
    /// Collateral in atoms of its asset (USDT 6 decimals, BTC 8).
    public var collateral: Int64
    public var collateralAsset: Collateral
    /// Isolated: the collateral is the position's margin; cross: the account's wallet.
    public var isolated: Bool
    /// The position's market, by its place in the run's markets (0: the first). Rows with the
    /// same id are one account holding a position on each row's market.
    public var market = 0

    public init(
        id: UInt64, size: Int64, entryPrice: Int64, collateral: Int64, collateralAsset: Collateral, isolated: Bool
    ) {
        self.id = id
        self.size = size
        self.entryPrice = entryPrice
        self.collateral = collateral
        self.collateralAsset = collateralAsset
        self.isolated = isolated
    }

    /// Entry notional in USDT.
    public var entryNotional: Double { Double(size.magnitude) / 1e8 * Double(entryPrice) / 1e8 }

    /// Notional over equity at `price` (collateral at `price` for coin collateral, before
    /// haircut, plus the position's unrealized PnL); infinite when equity is gone.
    public func leverage(at price: Double, inverse: Bool = false) -> Double {
        if inverse {
            // Coin-margined: notional N USD; equity in coin = collateral (coin) + side·N·(1/E − 1/P).
            let usd = Double(size) / 1e8 * Double(CascadeSimulator.inverseContractUSD)
            let coin = collateralAsset == .coin ? Double(collateral) / 1e8 : Double(collateral) / 1e6 / price
            let equity = coin + usd * (1 / (Double(entryPrice) / 1e8) - 1 / price)
            return equity > 0 ? abs(usd) / price / equity : .infinity
        }
        let equity = equity(at: price)
        return equity > 0 ? Double(size.magnitude) / 1e8 * price / equity : .infinity
    }

    /// A linear position's equity in USDT at `price`: its collateral (the coin at `price`,
    /// before haircut) plus its unrealized PnL; negative when the loss passes the collateral.
    public func equity(at price: Double) -> Double {
        let value = collateralAsset == .settlement ? Double(collateral) / 1e6 : Double(collateral) / 1e8 * price
        return value + Double(size) / 1e8 * (price - Double(entryPrice) / 1e8)
    }
}

/// The shape of a seeded population. Defaults sketch a retail-heavy perpetual venue:
/// median leverage 8x with a long right tail, median position 2,000 USDT with a few whales,
/// 60 % long, 30 % isolated, and a tenth of cross accounts posting the coin as collateral.
public struct PopulationSpec: Hashable, Sendable {
    public var accounts: Int
    public var seed: UInt64
    /// Leverage = notional / equity at the start price: log-normal around the median, clamped
    /// to [1, the schedule's maximum at the position's notional].
    public var leverageMedian: Double = 8
    public var leverageSigma: Double = 0.9
    /// Entry notional (USDT): log-normal around the median, clamped to [10, 50,000,000].
    public var notionalMedian: Double = 2_000
    public var notionalSigma: Double = 1.6
    public var longFraction: Double = 0.6
    public var isolatedFraction: Double = 0.3
    /// Of cross accounts, the share whose collateral is the coin (BTC) instead of USDT.
    public var coinCollateralFraction: Double = 0.1
    /// Entries scattered around the start price (log-normal log-sd): positions opened before the window.
    public var entrySpread: Double = 0.03

    public init(accounts: Int, seed: UInt64) {
        self.accounts = accounts
        self.seed = seed
    }

    /// The first invalid field and what it expects.
    public func validate() -> (field: String, reason: String)? {
        if accounts < 1 || accounts > 10_000_000 { return ("accounts", "1 to 10,000,000") }
        if !(leverageMedian >= 1 && leverageMedian <= 1_000) { return ("leverageMedian", "1 to 1,000") }
        if !(leverageSigma >= 0 && leverageSigma <= 5) { return ("leverageSigma", "0 to 5") }
        if !(notionalMedian >= 10 && notionalMedian <= 1e9) { return ("notionalMedian", "10 to 1e9 USDT") }
        if !(notionalSigma >= 0 && notionalSigma <= 5) { return ("notionalSigma", "0 to 5") }
        for (name, value) in [
            ("longFraction", longFraction), ("isolatedFraction", isolatedFraction),
            ("coinCollateralFraction", coinCollateralFraction),
        ] where !(value >= 0 && value <= 1) {
            return (name, "0 to 1")
        }
        if !(entrySpread >= 0 && entrySpread <= 1) { return ("entrySpread", "0 to 1") }
        return nil
    }
}

public enum PopulationGenerator {
    /// Why a population cannot be drawn: the field, and what it expects.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var field: String
        public var reason: String
        public var description: String { "\(field): expected \(reason)" }
    }

    /// Accounts 1...spec.accounts; the same spec gives the same accounts, bit for bit.
    /// `coinHaircut` is the collateral ratio of the coin (coin collateral is sized so that its
    /// value after the haircut gives the drawn leverage). For callers whose inputs are their own
    /// constants (the demo venue): an invalid spec or start price is a programmer error there.
    public static func generate(
        _ spec: PopulationSpec, startPrice: Int64, margin: MarginSchedule, lotSize: Int64,
        coinHaircut: Double = 0.95
    ) -> [SimulatedAccount] {
        do {
            return try make(spec, startPrice: startPrice, margin: margin, lotSize: lotSize, coinHaircut: coinHaircut)
        } catch {
            preconditionFailure("population: \(error)")
        }
    }

    /// As `generate`, for user input: the spec is validated, and every amount drawn in Double is
    /// converted to atoms checked, so a start price (or spread) that no 64-bit amount can hold
    /// is a `Problem` naming it, not a trap.
    /// `contract: .inverse` draws the same population for the coin-margined market: sizes in
    /// contracts of `CascadeSimulator.inverseContractUSD`, every account's collateral in the coin
    /// (at par: it is the settlement asset), leverage on the coin equity.
    public static func make(
        _ spec: PopulationSpec, startPrice: Int64, margin: MarginSchedule, lotSize: Int64,
        coinHaircut: Double = 0.95, contract: SimulationConfig.Contract = .linear
    ) throws -> [SimulatedAccount] {
        if let (field, reason) = spec.validate() { throw Problem(field: field, reason: reason) }
        guard startPrice > 0 && startPrice <= CascadeSimulator.maximumPrice else {
            throw Problem(
                field: "startPrice",
                reason: "a first price above 0 and at most \(Price(atoms: CascadeSimulator.maximumPrice))")
        }
        guard lotSize > 0 else { throw Problem(field: "lotSize", reason: "a positive lot size") }
        guard coinHaircut > 0 && coinHaircut <= 1 else {
            throw Problem(field: "coinHaircut", reason: "above 0, at most 1")
        }
        func atoms(_ value: Double, _ field: String) throws -> Int64 {
            guard let atoms = Int64(exactly: value) else {
                throw Problem(
                    field: field,
                    reason: "a value that fits 64-bit fixed point at this start price (\(Price(atoms: startPrice)))")
            }
            return atoms
        }
        var random = SplitMix64(seed: spec.seed)
        var result: [SimulatedAccount] = []
        result.reserveCapacity(spec.accounts)
        let start = Double(startPrice) / 1e8
        for id in 1...spec.accounts {
            let long = random.unit() < spec.longFraction
            let isolated = random.unit() < spec.isolatedFraction
            let coin = !isolated && random.unit() < spec.coinCollateralFraction
            let entry = start * Elementary.exp(spec.entrySpread * random.normal())
            let (entryTicks, overflow) = try atoms((entry * 10).rounded(), "entrySpread").multipliedReportingOverflow(
                by: 10_000_000)
            if overflow {
                throw Problem(
                    field: "entrySpread",
                    reason: "entries that fit 64-bit fixed point at this start price (\(Price(atoms: startPrice)))")
            }
            let entryAtoms = max(1, entryTicks)  // on a 0.1 tick
            let notional = min(
                max(random.logNormal(median: spec.notionalMedian, sigma: spec.notionalSigma), 10), 50_000_000)
            if contract == .inverse {
                result.append(
                    try inverseAccount(
                        id: UInt64(id), long: long, isolated: isolated, entryAtoms: entryAtoms, notional: notional,
                        start: start, margin: margin, spec: spec, random: &random, atoms: atoms))
                continue
            }
            let lots = max(
                1,
                try atoms((notional / (Double(entryAtoms) / 1e8) * 1e8 / Double(lotSize)).rounded(), "notionalMedian"))
            let (size, sizeOverflow) = lots.multipliedReportingOverflow(by: lotSize)
            if sizeOverflow { throw Problem(field: "lotSize", reason: "a position size that fits 64-bit fixed point") }
            let entryNotional = Double(size) / 1e8 * Double(entryAtoms) / 1e8
            // No more leverage than the schedule allows at this notional (its initial rate).
            var ceiling = 125.0
            if let (initial, _) = margin.requirements(
                notional: try atoms((entryNotional * 1e6).rounded(.towardZero), "startPrice"), size: size,
                leverageRate: 0),
                initial > 0
            {
                ceiling = entryNotional * 1e6 / Double(initial)
            }
            let leverage = min(
                max(random.logNormal(median: spec.leverageMedian, sigma: spec.leverageSigma), 1), ceiling)
            // Leverage as the venue sees it now: equity at the start price (collateral plus the
            // position's unrealized PnL) is the start notional over the leverage, so no account
            // starts below its initial margin whatever its entry.
            let startNotional = Double(size) / 1e8 * start
            let unrealized = (long ? 1 : -1) * Double(size) / 1e8 * (start - Double(entryAtoms) / 1e8)
            let value = max(startNotional / leverage - unrealized, startNotional / leverage * 0.1)
            let collateral =
                try coin
                ? atoms((value / coinHaircut / start * 1e8).rounded(.up), "coinCollateralFraction")
                : atoms((value * 1e6).rounded(.up), "startPrice")
            result.append(
                SimulatedAccount(
                    id: UInt64(id), size: long ? size : -size, entryPrice: entryAtoms, collateral: max(1, collateral),
                    collateralAsset: coin ? .coin : .settlement, isolated: isolated))
        }
        return result
    }

    /// A population across several linear markets: `spec.accounts` split evenly over them (the
    /// first markets take the remainder), each market's accounts drawn as `make` draws them
    /// (seed `spec.seed + k` for the k-th market, so the first market's accounts are those a run
    /// of that market alone with as many accounts draws), coin collateral in each market's own
    /// coin. Then a share `crossMarketFraction` of every other market's cross accounts, drawn in
    /// order, join the first market's cross accounts one to one: the joined rows share an id,
    /// one wallet holding both positions and both collaterals (its leverage is their combined
    /// notional over their combined equity). Ids are 1... in order of market, gaps left by
    /// joined rows.
    public static func make(
        _ spec: PopulationSpec, startPrices: [Int64], margin: MarginSchedule, lotSize: Int64,
        coinHaircut: Double = 0.95, crossMarketFraction: Double
    ) throws -> [SimulatedAccount] {
        guard !startPrices.isEmpty else { throw Problem(field: "markets", reason: "at least one market") }
        guard crossMarketFraction >= 0 && crossMarketFraction <= 1 else {
            throw Problem(field: "crossMarketFraction", reason: "0 to 1")
        }
        guard spec.accounts >= startPrices.count else {
            throw Problem(field: "accounts", reason: "at least one account per market (\(startPrices.count))")
        }
        var rows: [SimulatedAccount] = []
        var firstOffset: UInt64 = 0
        for (market, startPrice) in startPrices.enumerated() {
            var part = spec
            part.accounts = spec.accounts / startPrices.count + (market < spec.accounts % startPrices.count ? 1 : 0)
            part.seed = spec.seed &+ UInt64(market)
            let drawn = try make(
                part, startPrice: startPrice, margin: margin, lotSize: lotSize, coinHaircut: coinHaircut)
            for var row in drawn {
                row.id += firstOffset
                row.market = market
                rows.append(row)
            }
            firstOffset += UInt64(part.accounts)
        }
        // The first market's cross accounts, in id order, each joined at most once per market.
        let hosts = rows.filter { $0.market == 0 && !$0.isolated }.map(\.id)
        var random = SplitMix64(seed: spec.seed ^ 0x6d61_726b_6574_73)
        for market in 1..<startPrices.count {
            var next = 0
            for index in rows.indices where rows[index].market == market && !rows[index].isolated {
                guard next < hosts.count else { break }
                if random.unit() < crossMarketFraction {
                    rows[index].id = hosts[next]
                    next += 1
                }
            }
        }
        return rows
    }

    /// One coin-margined account: `notional` USD in contracts of 100 USD, the leverage drawn as
    /// for linear accounts and capped by the schedule's initial rate at the coin notional, the
    /// collateral in the coin so that equity at the start price is the notional over leverage.
    static func inverseAccount(
        id: UInt64, long: Bool, isolated: Bool, entryAtoms: Int64, notional: Double, start: Double,
        margin: MarginSchedule, spec: PopulationSpec, random: inout SplitMix64,
        atoms: (Double, String) throws -> Int64
    ) throws -> SimulatedAccount {
        let contractUSD = Double(CascadeSimulator.inverseContractUSD)
        let contracts = max(1, try atoms((notional / contractUSD).rounded(), "notionalMedian"))
        let (size, overflow) = contracts.multipliedReportingOverflow(by: 100_000_000)
        if overflow { throw Problem(field: "notionalMedian", reason: "a position size that fits 64-bit fixed point") }
        let usd = Double(contracts) * contractUSD
        let entry = Double(entryAtoms) / 1e8
        var ceiling = 125.0
        let entryCoin = usd / entry
        if let (initial, _) = margin.requirements(
            notional: try atoms((entryCoin * 1e8).rounded(.towardZero), "startPrice"), size: size,
            leverageRate: 0), initial > 0
        {
            ceiling = entryCoin * 1e8 / Double(initial)
        }
        let leverage = min(max(random.logNormal(median: spec.leverageMedian, sigma: spec.leverageSigma), 1), ceiling)
        // Coin equity at the start price = the coin notional there over the leverage.
        let startCoin = usd / start
        let unrealized = (long ? 1 : -1) * usd * (1 / entry - 1 / start)
        let value = max(startCoin / leverage - unrealized, startCoin / leverage * 0.1)
        let collateral = try atoms((value * 1e8).rounded(.up), "startPrice")
        return SimulatedAccount(
            id: id, size: long ? size : -size, entryPrice: entryAtoms, collateral: max(1, collateral),
            collateralAsset: .coin, isolated: isolated)
    }
}

/// A population a venue exports: CSV with the header
/// `account,size,entry_price,collateral,collateral_asset,isolated` — size in contracts (signed,
/// negative: short), collateral in units of `collateral_asset` (USDT or BTC), isolated `true`
/// or `false`. Bad rows are reported with their line number; nothing is guessed.
public enum PopulationFile {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var message: String
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// The largest position notional a row may hold (USDT).
    public static let maximumNotional = 1e12

    public static let columns = ["account", "size", "entry_price", "collateral", "collateral_asset", "isolated"]

    /// `inverse`: the rows are for the coin-margined market (sizes in its 100-USD contracts;
    /// isolated margin in the coin).
    public static func parse(_ text: String, lotSize: Int64, inverse: Bool = false) throws -> [SimulatedAccount] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingWhitespace().isEmpty { lines.removeLast() }
        guard let header = lines.first else { throw Problem(line: 0, message: "the population file is empty") }
        let names = header.split(separator: ",").map { $0.trimmingWhitespace().lowercased() }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() { position[name] = index }
        let missing = columns.filter { position[$0] == nil }
        if !missing.isEmpty {
            throw Problem(
                line: 1,
                message:
                    "missing column(s) \(missing.joined(separator: ", ")); expected \(columns.joined(separator: ","))")
        }
        var accounts: [SimulatedAccount] = []
        var seen = Set<UInt64>()
        for (offset, line) in lines.enumerated().dropFirst() {
            let number = offset + 1
            if line.trimmingWhitespace().isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard fields.count == names.count else {
                throw Problem(line: number, message: "expected \(names.count) fields, found \(fields.count)")
            }
            func field(_ name: String) -> String { fields[position[name]!] }
            guard let id = UInt64(field("account")), id > 0 else {
                throw Problem(line: number, message: "account: expected a positive integer id")
            }
            guard seen.insert(id).inserted else { throw Problem(line: number, message: "account \(id) appears twice") }
            guard let size = Quantity(field("size")), size.atoms != 0 else {
                throw Problem(line: number, message: "size: expected a non-zero decimal")
            }
            guard size.atoms % lotSize == 0 else {
                throw Problem(
                    line: number, message: "size: expected a multiple of the lot size \(Quantity(atoms: lotSize))")
            }
            guard let entry = Price(field("entry_price")), entry.atoms > 0 else {
                throw Problem(line: number, message: "entry_price: expected a positive decimal")
            }
            // The simulated market's range: a price it can run, and a position whose notional
            // (summed over the venue, and sized into the fund and depth) stays inside 64 bits.
            guard entry.atoms <= CascadeSimulator.maximumPrice else {
                throw Problem(
                    line: number,
                    message: "entry_price: expected at most \(Price(atoms: CascadeSimulator.maximumPrice))")
            }
            guard Double(size.atoms.magnitude) / 1e8 * Double(entry.atoms) / 1e8 <= PopulationFile.maximumNotional
            else {
                throw Problem(
                    line: number,
                    message:
                        "size: expected a position notional (size × entry_price) at most \(Int64(PopulationFile.maximumNotional)) USDT"
                )
            }
            guard let asset = SimulatedAccount.Collateral(rawValue: field("collateral_asset").uppercased()) else {
                throw Problem(line: number, message: "collateral_asset: expected USDT or BTC")
            }
            let scale = asset == .settlement ? 6 : 8
            guard case .success(let collateral) = DecimalText.parse(field("collateral"), scale: scale), collateral > 0
            else {
                throw Problem(
                    line: number, message: "collateral: expected a positive decimal with at most \(scale) decimals")
            }
            let isolatedText = field("isolated").lowercased()
            guard ["true", "false"].contains(isolatedText) else {
                throw Problem(line: number, message: "isolated: expected true or false")
            }
            if isolatedText == "true" && asset == .coin && !inverse {
                throw Problem(line: number, message: "an isolated position's margin is in the settlement asset (USDT)")
            }
            accounts.append(
                SimulatedAccount(
                    id: id, size: size.atoms, entryPrice: entry.atoms, collateral: collateral,
                    collateralAsset: asset, isolated: isolatedText == "true"))
        }
        if accounts.isEmpty { throw Problem(line: 0, message: "the population file has no accounts") }
        return accounts
    }

    /// The CSV text of a population (the inverse of `parse`).
    public static func format(_ accounts: [SimulatedAccount]) -> String {
        var text = columns.joined(separator: ",") + "\n"
        for account in accounts {
            let scale = account.collateralAsset == .settlement ? 6 : 8
            text += "\(account.id),\(Quantity(atoms: account.size)),\(Price(atoms: account.entryPrice)),"
            text +=
                "\(DecimalText.format(account.collateral, scale: scale)),\(account.collateralAsset.rawValue),\(account.isolated)\n"
        }
        return text
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
