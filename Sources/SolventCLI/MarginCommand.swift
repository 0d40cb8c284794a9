import ArgumentParser
import Foundation
import SolventCore

/// `solvent margin`: the standard-margin report of one account described in a portfolio file.
public struct MarginCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "margin",
        abstract: "Compute an account's margin report from a portfolio file.",
        discussion: """
        The portfolio file holds assets (with index prices and optional haircut tiers), markets \
        (inline, or a preset: \(MarketPresets.all.map(\.name).joined(separator: ", "))) with their \
        mark prices, and one account's collateral and positions. See the README for the schema.
        """)

    public enum Model: String, ExpressibleByArgument, CaseIterable, Sendable {
        case standard
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
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        print(output)
    }

    /// Loads, builds the engine, and formats its report (also used by tests).
    public static func render(portfolioPath: String, model: Model, format: Format) throws -> String {
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
