import ArgumentParser
import Foundation
import SolventRisk

/// `solvent price`: Black–Scholes–Merton (or Black-76) prices and Greeks for a CSV of options.
public struct PriceCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "price",
        abstract: "Price European options and their Greeks (Black–Scholes–Merton / Black-76) from a CSV file.",
        discussion: """
            Columns: right,spot,strike,years,volatility,rate[,dividend] (right is call or put; dividend \
            defaults to 0; for Black-76 give the forward as spot and dividend = rate). Output: every input \
            column plus price,delta,gamma,vega,theta,rho at full double precision — vega per 1.00 of \
            volatility, theta per year, rho per 1.00 of rate, as QuantLib reports them (a name already in \
            the input gets the prefix model_). Bad rows are \
            reported on standard error with their line number and skipped (exit status 1), or stop the \
            run with --strict (exit status 2, nothing written).
            """)

    @OptionGroup public var files: OptionTableFiles

    public init() {}

    public func run() throws { try table.execute(command: "price") }

    var table: OptionTableRun {
        OptionTableRun(
            input: files.input, output: files.output, strict: files.strict, solving: .price,
            added: ["price", "delta", "gamma", "vega", "theta", "rho"]
        ) { row in
            let v = BlackScholes.valuation(row.option)
            return .success([v.price, v.delta, v.gamma, v.vega, v.theta, v.rho])
        }
    }
}

/// `solvent implied-vol`: the volatility that reproduces each quoted price.
public struct ImpliedVolCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "implied-vol",
        abstract: "Solve the implied volatility of European options from a CSV of prices.",
        discussion: """
            Columns: right,spot,strike,years,price,rate[,dividend]. Output: every input column plus \
            volatility (model_volatility if the input has a volatility column, e.g. a file from solvent price). A price no volatility can produce (below the discounted intrinsic value, at or above \
            the discounted spot for a call or strike for a put, an expired option) is reported with its line \
            number, as are malformed rows; the others are still solved unless --strict.
            """)

    @OptionGroup public var files: OptionTableFiles

    public init() {}

    public func run() throws { try table.execute(command: "implied-vol") }

    var table: OptionTableRun {
        OptionTableRun(
            input: files.input, output: files.output, strict: files.strict, solving: .impliedVolatility,
            added: ["volatility"]
        ) { row in
            ImpliedVolatility.solve(price: row.price!, option: row.option)
                .map { [$0] }
                .mapError { InputError("line \(row.line)", $0.description) }
        }
    }
}

/// The arguments both commands take.
public struct OptionTableFiles: ParsableArguments {
    @Option(help: "The CSV file of options.")
    public var input: String
    @Option(help: "Write the CSV here instead of standard output.")
    public var output: String?
    @Flag(help: "Stop at the first bad row.")
    public var strict = false

    public init() {}
}

/// The shared run of both commands: read, compute row by row, report, write.
struct OptionTableRun {
    var input: String
    var output: String?
    var strict: Bool
    var solving: OptionTable.Solving
    var added: [String]
    var compute: (OptionTable.Row) -> Result<[Double], InputError>

    func execute(command: String) throws {
        do {
            let (csv, rows, rejected) = try render()
            for error in rejected { Diagnostics.write("error: \(error.description)\n") }
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(csv.utf8)) else {
                    throw InputError(output, "cannot write the file")
                }
            } else {
                FileHandle.standardOutput.write(Data(csv.utf8))
            }
            Diagnostics.write("\(command): \(rows) rows written, \(rejected.count) rejected\n")
            if !rejected.isEmpty { throw ExitCode(1) }
        } catch let error as InputError {
            Diagnostics.write("error: \(error.description)\n")
            throw ExitCode(2)
        }
    }

    /// The CSV written, its row count and the rows refused (also used by tests). Throws the
    /// first refused row with --strict.
    func render() throws -> (csv: String, rows: Int, rejected: [InputError]) {
        let text = try OptionTableRun.read(input)
        let parsed = try OptionTable.parse(text, file: input, for: solving)
        var rejected = parsed.rejected
        if strict, let first = parsed.rejected.first { throw first }
        // An added column already in the input (a price file fed back to implied-vol) is prefixed.
        let names = added.map { parsed.header.contains($0) ? "model_\($0)" : $0 }
        var lines = [(parsed.header + names).joined(separator: ",")]
        for row in parsed.rows {
            var result = compute(row)
            // A model that leaves its finite domain gives NaN or infinity: the row is refused
            // naming the figure, never written as "nan".
            if case .success(let values) = result, let bad = values.firstIndex(where: { !$0.isFinite }) {
                result = .failure(
                    InputError(
                        "line \(row.line): \(names[bad])",
                        "the model gives \(values[bad]) for this row's inputs; expected inputs it can value"))
            }
            switch result {
            case .success(let values):
                lines.append((row.fields + values.map(OptionTable.format)).joined(separator: ","))
            case .failure(let error):
                let located = InputError("\(input): \(error.location)", error.message)
                if strict { throw located }
                rejected.append(located)
            }
        }
        return (lines.joined(separator: "\n") + "\n", lines.count - 1, rejected)
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(path, "expected UTF-8 text") }
        return text
    }
}
