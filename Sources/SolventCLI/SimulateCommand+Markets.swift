import Foundation
import SolventCore
import SolventSimulation

/// `solvent simulate --prices BTCUSDT=F1 --prices ETHUSDT=F2`: several USDT-margined markets
/// driven by their own paths together, a population holding positions on each and, for a
/// share of its cross accounts, on two markets from one wallet.
extension SimulateCommand {
    /// One `--prices` entry: the market's symbol (nil for a plain FILE: the one-market run's
    /// BTCUSDT, or BTCUSD when inverse), its coin and its file.
    struct MarketFile {
        var symbol: String?
        var coin: String
        var file: String
    }

    /// `SYMBOL=FILE` when the text before the first `=` is a symbol (capitals and digits,
    /// 2 to 20 of them); otherwise the whole text is a file.
    static func symbolAndFile(_ text: String) -> (String, String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let symbol = String(text[..<equals])
        guard (2...20).contains(symbol.count),
            symbol.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        else { return nil }
        return (symbol, String(text[text.index(after: equals)...]))
    }

    static func marketFiles(_ options: SimulateCommand) throws -> [MarketFile] {
        guard !options.prices.isEmpty else {
            throw InputError("--prices", "required: a CSV of OHLC bars, or SYMBOL=FILE (repeatable)")
        }
        if options.prices.count == 1, symbolAndFile(options.prices[0]) == nil {
            return [MarketFile(symbol: nil, coin: "BTC", file: options.prices[0])]
        }
        var markets: [MarketFile] = []
        for entry in options.prices {
            guard let (symbol, file) = symbolAndFile(entry), symbol.hasSuffix("USDT"), symbol.count > 4 else {
                throw InputError(
                    "--prices \(entry)",
                    "expected SYMBOL=FILE with a USDT-margined symbol such as BTCUSDT=bars.csv when several markets run"
                )
            }
            guard !markets.contains(where: { $0.symbol == symbol }) else {
                throw InputError("--prices \(entry)", "market \(symbol) is given twice")
            }
            markets.append(MarketFile(symbol: symbol, coin: String(symbol.dropLast(4)), file: file))
        }
        return markets
    }

    /// A file's bars in the chosen range as the path's points.
    static func path(of file: String, _ options: SimulateCommand) throws -> [CascadeSimulator.PricePoint] {
        guard let pathKind = IndexReplay.Path(rawValue: options.path) else {
            throw InputError("--path", "expected intrabar or close")
        }
        let from = try options.from.map { try timestamp($0, "--from") }
        let to = try options.to.map { try timestamp($0, "--to") }
        let bars = try OHLCVFile.load(path: file, from: from, to: to, maximumPrice: CascadeSimulator.maximumPrice)
        guard bars.count >= 1 else { throw InputError(file, "no bars in the chosen range") }
        return IndexReplay.points(of: bars, path: pathKind).map {
            CascadeSimulator.PricePoint(time: $0.time, price: $0.price)
        }
    }

    /// Each market's funding settlements on the first market's path: `--funding SYMBOL=FILE`.
    static func marketFunding(
        _ options: SimulateCommand, markets: [MarketFile], clock: [CascadeSimulator.PricePoint]
    ) throws -> [[FundingFile.Point]] {
        var funding = [[FundingFile.Point]](repeating: [], count: markets.count)
        let symbols = markets.compactMap(\.symbol).joined(separator: ", ")
        var given = Set<Int>()
        for entry in options.funding {
            guard let (symbol, file) = symbolAndFile(entry),
                let index = markets.firstIndex(where: { $0.symbol == symbol })
            else {
                throw InputError(
                    "--funding \(entry)",
                    "expected SYMBOL=FILE for one of the markets (\(symbols))"
                )
            }
            guard given.insert(index).inserted else {
                throw InputError("--funding \(entry)", "market \(symbol) has a funding file already")
            }
            funding[index] = try fundingInside(clock, file: file)
        }
        return funding
    }

    /// Each market's path; a market whose bars lie outside the first's would run flat at one
    /// price, and is refused.
    static func marketPaths(
        _ markets: [MarketFile], _ options: SimulateCommand
    ) throws -> [[CascadeSimulator.PricePoint]] {
        let paths = try markets.map { try path(of: $0.file, options) }
        let (first, last) = (paths[0].first!.time, paths[0].last!.time)
        for (market, path) in zip(markets, paths).dropFirst()
        where path.first!.time > last || path.last!.time < first {
            throw InputError(
                market.file,
                "its bars (\(SimulationReport.iso(path.first!.time.nanoseconds)) to "
                    + "\(SimulationReport.iso(path.last!.time.nanoseconds))) do not overlap \(markets[0].symbol!)'s "
                    + "(\(SimulationReport.iso(first.nanoseconds)) to \(SimulationReport.iso(last.nanoseconds)))")
        }
        return paths
    }

    /// The runs over several markets: the first market's path is the clock.
    static func simulateMarkets(
        _ options: SimulateCommand, markets: [MarketFile], log: (String) -> Void
    ) throws -> Report {
        for (given, option) in [(options.population, "--population"), (options.writePopulation, "--write-population")]
        where given != nil {
            throw InputError(option, "a population file holds one market's accounts; several markets draw theirs")
        }
        guard options.contract == "linear" else {
            throw InputError(
                "--contract", "several markets run linear (USDT-margined) contracts, got \(options.contract)")
        }
        let crossMarket = options.crossMarket ?? 0.5
        guard crossMarket >= 0 && crossMarket <= 1 else {
            throw InputError("--cross-market", "expected a share from 0 to 1, got \(crossMarket)")
        }
        let paths = try marketPaths(markets, options)
        let funding = try marketFunding(options, markets: markets, clock: paths[0])
        let configs = try configurations(options)
        let base = configs[0]
        let spec = populationSpec(options)
        let population: [SimulatedAccount]
        do {
            population = try PopulationGenerator.make(
                spec, startPrices: paths.map { $0[0].price.atoms }, margin: base.margin,
                lotSize: CascadeSimulator.lotSize(.linear), coinHaircut: CascadeSimulator.coinHaircut,
                crossMarketFraction: crossMarket)
        } catch let problem as PopulationGenerator.Problem {
            throw InputError("population", problem.description)
        }
        let openInterest = try CascadeSimulator.openInterest(population, markets: markets.count)
        var runs: [SimulationResult] = []
        var seconds: [Double] = []
        for config in configs {
            let started = Date()
            log("simulate [\(config.label)]: setting up \(population.count) positions on \(markets.count) markets")
            // Depth is a multiple of each market's own open interest (contracts).
            let setups = zip(markets, paths).enumerated().map { index, market in
                CascadeSimulator.MarketSetup(
                    symbol: market.0.symbol!, coin: market.0.coin, start: market.1[0],
                    depth: config.impact.depth * max(openInterest[index], 0.001))
            }
            var simulator: CascadeSimulator
            do { simulator = try CascadeSimulator(config: config, population: population, markets: setups) } catch let
                error as CascadeSimulator.SetupError
            {
                throw InputError(config.label, error.description)
            }
            let every = max(1, paths[0].count / 20)
            let result = simulator.run(paths: paths, funding: funding) { done, total, point in
                if done % every == 0 || done == total {
                    log(
                        "simulate [\(config.label)]: \(done)/\(total) points, \(markets[0].symbol!) "
                            + "\(format(point.price)), fund \(format(point.fund)), bad debt \(format(point.badDebt))"
                    )
                }
            }
            seconds.append(Date().timeIntervalSince(started))
            log(
                "simulate [\(config.label)]: \(result.steps) steps, "
                    + "\(formatted(result.liquidatedNotional, "%.0f")) USDT liquidated in "
                    + "\(formatted(seconds.last!, "%.1f")) s"
            )
            runs.append(result)
        }
        let source =
            "seeded: \(options.accounts) accounts over \(markets.count) markets, seed \(options.seed) (+k for the k-th "
            + "market), \(crossMarket) of the other markets' cross accounts also on \(markets[0].symbol!)"
        return Report(
            pricesFile: options.prices.joined(separator: " "), path: paths[0], populationSource: source, runs: runs,
            seconds: seconds)
    }
}
