import ArgumentParser
import Foundation

/// `solvent option-study`: five real books from a Deribit snapshot, each
/// margined under the four option models side by side.
public struct OptionStudyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "option-study",
        abstract: "Margin five option books built from a Deribit chain snapshot under every option model.",
        discussion: """
            Reads a Deribit option-chain snapshot (the format of examples/deribit-btc-chain.csv) and, per currency, builds \
            a short strangle, a calendar spread, a covered call, a delta-hedged short straddle and a naked \
            short put by fixed rules (front expiry nearest 30 days, 25-delta wings, strikes nearest the \
            forward; see docs/options.md), then reports initial and maintenance margin under the standard, \
            portfolio, span and greeks models, the portfolio model's worst scenario and the worst loss over \
            the full-weight ±16 % scenarios. Unusable rows are counted on standard error with their line.
            """)

    public enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
        case table, markdown, json
    }

    @Option(name: .long, help: "Deribit snapshot CSV (repeat for several).")
    public var snapshot: [String]

    @Option(name: .long, help: "Output format: table (default), markdown or json.")
    public var format: Format = .table

    public init() {}

    public func validate() throws {
        if snapshot.isEmpty { throw ValidationError("give at least one --snapshot FILE.csv") }
    }

    public func run() throws {
        var studies: [OptionStudyReport] = []
        do {
            for path in snapshot {
                let loaded = try DeribitSnapshot.load(path: path)
                if !loaded.skipped.isEmpty {
                    let first = loaded.skipped.prefix(3).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
                    Diagnostics.write(
                        "\(path): \(loaded.skipped.count) rows skipped (\(first)\(loaded.skipped.count > 3 ? "; …" : ""))\n"
                    )
                }
                studies.append(try OptionStudyReport.run(loaded, name: URL(fileURLWithPath: path).lastPathComponent))
            }
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
        switch format {
        case .table: print(studies.map { $0.table() }.joined(separator: "\n"))
        case .markdown: print(studies.map { $0.markdown() }.joined(separator: "\n"))
        case .json:
            let data = JSONOutput.data(studies.map { $0.jsonObject() })
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
