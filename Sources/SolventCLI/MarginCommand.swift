import ArgumentParser
import Foundation
import SolventCore
import SolventSimulation

/// `solvent margin`: the standard-margin report of one account described in a portfolio file.
public struct MarginCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "margin",
        abstract: "Compute an account's margin report from a portfolio file.",
        discussion: """
            The portfolio file holds assets (with index prices and optional haircut tiers), markets \
            (inline, or a preset: \(MarketPresets.all.map(\.name).joined(separator: ", "))) with their \
            mark prices, and one account's collateral and positions; the engine's standard margin applies. \
            An option portfolio (a file with "underlyings": the forward as spot, options, a linear quantity) \
            is margined by the engine under any model: standard (Deribit's option formulas), portfolio \
            (a scenario grid, Paradex's by default), span (16 SPAN scenarios) or greeks; the scenario \
            models list the worst scenario and every scenario's P&L. Both schemas: docs/margin.md.
            """)

    public enum Model: String, ExpressibleByArgument, CaseIterable, Sendable {
        case standard, portfolio, span, greeks
    }

    public enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
        case json, table
    }

    @Option(name: .long, help: "Portfolio file (JSON).")
    public var portfolio: String

    @Option(name: .long, help: "Margin model: \(Model.allCases.map(\.rawValue).joined(separator: "|")).")
    public var model: Model = .standard

    @Option(name: .long, help: "Output format: json (default) or table.")
    public var format: Format = .json

    public init() {}

    public func run() throws {
        let output: String
        do {
            output = try Self.render(portfolioPath: portfolio, model: model, format: format)
        } catch let error as InputError {
            // A bad file is not a usage error: say what is wrong and where, without the usage text.
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
        print(output)
    }

    /// Loads, builds the engine, and formats its report (also used by tests).
    public static func render(portfolioPath: String, model: Model, format: Format) throws -> String {
        if let data = FileManager.default.contents(atPath: portfolioPath), OptionPortfolioFile.isOptionPortfolio(data) {
            let portfolio: OptionPortfolio
            do {
                portfolio = try OptionPortfolioFile.parse(data)
            } catch let error as InputError {
                throw InputError(
                    error.location.isEmpty ? portfolioPath : "\(portfolioPath): \(error.location)", error.message)
            }
            let margin: OptionPortfolioMargin
            switch OptionPortfolioMargin.evaluate(portfolio, model: AccountMarginModel(rawValue: model.rawValue)!) {
            case .failure(.invalid(let field, let reason)): throw InputError("\(portfolioPath): \(field)", reason)
            case .success(let value): margin = value
            }
            let report = OptionMarginReport(margin, portfolio: portfolio)
            if let figure = report.nonFiniteFigure() {
                throw InputError(
                    "\(portfolioPath): \(figure.prefix { $0 != "." })",
                    "the \(model.rawValue) model gives no finite \(figure) for these inputs; expected inputs inside the ranges the models can value"
                )
            }
            return format == .json ? report.json() : report.table()
        }
        guard model == .standard else {
            throw InputError(
                portfolioPath,
                "the \(model.rawValue) model needs an option portfolio (a file with \"underlyings\"); an engine portfolio takes --model standard"
            )
        }
        let file = try PortfolioFile.load(path: portfolioPath)
        let engine: Engine
        do {
            engine = try file.buildEngine()
        } catch let error as InputError {
            throw InputError("\(portfolioPath): \(error.location)", error.message)
        }
        switch engine.marginReport(of: PortfolioFile.account) {
        case .none: throw InputError(portfolioPath, "no account")
        case .failure(let error)?: throw InputError(portfolioPath, "cannot compute the report: \(error)")
        case .success(let report)?:
            switch format {
            case .json: return MarginReportFormatter.json(report, engine: engine, model: model.rawValue)
            case .table: return MarginReportFormatter.table(report, engine: engine, model: model.rawValue)
            }
        }
    }
}
