import ArgumentParser
import Foundation
import SolventCLI
import SolventRisk
import Testing

/// Goal: `solvent price` and `solvent implied-vol` compute every good row, at full precision,
/// and name every bad row by its line without stopping the others (unless --strict). Method:
/// QuantLib's vectors through the command and back through implied-vol; broken files.
@Suite(.capturingDiagnostics)
struct OptionCommandTests {
    static let files = TemporaryFiles("solvent-option-tests")
    static var folder: URL { files.folder }

    static func file(_ name: String, _ text: String) -> String { files.file(name, text) }

    /// Runs a command; returns its exit status (0 when it returned normally).
    static func run(_ command: ParsableCommand.Type, _ arguments: [String]) -> Int32 {
        do {
            var parsed = try command.parseAsRoot(arguments)
            try parsed.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            return -1
        }
    }

    static func table(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map {
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    @Test func quantLibVectorsPriceAndRoundTrip() throws {
        let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SolventRiskTests/Vectors/quantlib-european.csv")
        let rows = try String(contentsOf: vectors, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        // The inputs only (right..dividend), then price them.
        let inputs =
            rows.map { $0.split(separator: ",").prefix(7).joined(separator: ",") }.joined(separator: "\n") + "\n"
        let input = Self.file("options.csv", inputs)
        let priced = Self.folder.appendingPathComponent("priced.csv").path
        #expect(Self.run(PriceCommand.self, ["--input", input, "--output", priced]) == 0)
        let out = try Self.table(priced)
        #expect(out.count == 1_200)
        for (row, reference) in zip(out, rows.dropFirst()) {
            let expected = reference.split(separator: ",").dropFirst(7).map { Double($0)! }
            let spot = Double(row["spot"]!)!
            for (index, name) in ["price", "delta", "gamma", "vega", "theta", "rho"].enumerated() {
                let value = Double(row[name]!)!
                #expect(
                    abs(value - expected[index]) <= max(1e-9 * abs(expected[index]), 1e-10 * spot), "\(name): \(row)")
            }
        }
        // Back through implied-vol: the priced file has both a volatility and a price column.
        let solved = Self.folder.appendingPathComponent("solved.csv").path
        let status = Self.run(ImpliedVolCommand.self, ["--input", priced, "--output", solved])
        let back = try Self.table(solved)
        var recovered = 0
        for row in back {
            let (given, found) = (Double(row["volatility"]!)!, Double(row["model_volatility"]!)!)
            let vega = Double(row["vega"]!)!
            let spot = Double(row["spot"]!)!
            // As far as the price (rounded to a double) determines the volatility.
            #expect(abs(given - found) <= max(1e-7 * given, 1e-12 * spot / max(vega, 1e-300)), "\(row)")
            if vega > 1e-6 * spot { recovered += 1 }
        }
        #expect(status == 0 && back.count == 1_200 && recovered > 700)
    }

    @Test func badRowsAreNamedAndTheRestComputed() throws {
        let input = Self.file(
            "bad.csv",
            """
            right,spot,strike,years,volatility,rate
            call,100,100,1,0.2,0
            call,100,100,1,abc,0
            straddle,100,100,1,0.2,0
            put,-5,100,1,0.2,0
            put,100,100,-1,0.2,0
            call,100,100,1
            put,100,100,1,0.2,0

            """)
        let output = Self.folder.appendingPathComponent("bad-out.csv").path
        #expect(Self.run(PriceCommand.self, ["--input", input, "--output", output]) == 1)
        #expect(try Self.table(output).map { $0["right"]! } == ["call", "put"])
        let strictOutput = Self.folder.appendingPathComponent("strict-out.csv").path
        #expect(Self.run(PriceCommand.self, ["--input", input, "--output", strictOutput, "--strict"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: strictOutput))
        // The same rows' problems, each with its line and field.
        let parsed = try OptionTable.parse(
            try String(contentsOfFile: input, encoding: .utf8), file: "bad.csv", for: .price)
        #expect(
            parsed.rejected.map(\.location) == [
                "bad.csv: line 3: volatility", "bad.csv: line 4: right", "bad.csv: line 5: spot",
                "bad.csv: line 6: years", "bad.csv: line 7",
            ])
        #expect(Self.run(PriceCommand.self, ["--input", Self.file("noheader.csv", "call,1,1,1,1,1\n")]) == 2)
        #expect(Self.run(PriceCommand.self, ["--input", Self.folder.appendingPathComponent("missing.csv").path]) == 2)
    }

    @Test func impliedVolErrorsNameTheRow() throws {
        let input = Self.file(
            "iv.csv",
            """
            right,spot,strike,years,price,rate,dividend
            call,100,90,0.5,5,0.05,0
            call,100,90,0.5,100,0.05,0
            call,100,90,0,12,0.05,0
            put,100,100,0.0027397260273972603,1.2,0,0

            """)
        let output = Self.folder.appendingPathComponent("iv-out.csv").path
        #expect(Self.run(ImpliedVolCommand.self, ["--input", input, "--output", output]) == 1)
        let rows = try Self.table(output)
        #expect(rows.count == 1 && abs(Double(rows[0]["volatility"]!)! - 0.5746904575628506) < 1e-9)
    }
}
