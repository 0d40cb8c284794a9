import ArgumentParser
import Foundation
import SolventCore
import SolventProofs
import SolventStore

func printJSON(_ object: Any) throws {
    print(JSONOutput.string(object))
}

func failure(_ message: String) -> ExitCode {
    Diagnostics.write("error: \(message)\n")
    return ExitCode(2)
}

func rootObject(_ root: AccountCommitment.Root) -> [String: Any] {
    [
        "sequence": root.sequence, "stateDigest": root.stateDigest, "root": root.hash, "assets": root.assets,
        "sums": root.sums, "leaves": root.leaves,
    ]
}

/// The root at the journal's end: the journal's own latest root when nothing follows its record
/// (rebuilt and checked: a root its state does not give is an error, not replaced), else a new
/// commitment, journaled (refused while a service writes the journal).
func journalEndRoot(_ store: JournalStore) async throws -> (Engine, AccountCommitment) {
    let last = try await store.lastSequence()
    if last > 0, let entry = try await store.entries(after: last - 1, limit: 1).first,
        case .recordCommitment = try JournalCodec.decode(entry.command)
    {
        let found = try await Commitments.rootAt(last - 1, in: store)
        return (found.engine, found.commitment)
    }
    try await WriterLease.refuseIfHeld(store, what: "publish a root (POST /v1/commitments)")
    let journaled = try await JournaledEngine(store: store)
    guard journaled.recovery.mismatches.isEmpty else {
        throw StoreError.corrupt(
            "the replay did not reproduce the recorded digests at \(journaled.recovery.mismatches.prefix(5).map(String.init).joined(separator: ", "))"
        )
    }
    return try await journaled.publishCommitment()
}

/// `solvent commit`: commits to every account at the journal's end and journals the root.
public struct CommitCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Commit to every account (Merkle-sum tree) at the journal's end and journal the root.",
        discussion:
            "The root is appended to the journal (a recordCommitment input right after the state it commits to); `--list` prints the journaled roots instead."
    )
    @Option(help: "SQLite database file (default ./solvent.db).") public var db: String?
    @Option(help: "PostgreSQL URL instead.") public var postgres: String?
    @Flag(help: "List the roots the journal records, oldest first, instead of publishing one.") public var list = false
    public init() {}

    public func run() async throws {
        do {
            let store = try await openStore(db: db, postgres: postgres)
            if list {
                let roots = try await Commitments.journaledRoots(in: store)
                try await store.close()
                return try printJSON(["roots": roots.map(rootObject)])
            }
            let (_, commitment) = try await journalEndRoot(store)
            try await store.close()
            try printJSON(rootObject(commitment.root))
        } catch let error as InputError { throw failure(error.description) } catch let error as StoreError {
            throw failure(error.description)
        }
    }
}

/// `solvent prove --account ID`: the account's proof file against a journaled root.
public struct ProveCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract:
            "Write an account's margin proof (its data, the rules and prices in force, its Merkle path), or a liquidation's (--event)."
    )
    @Option(parsing: .unconditional, help: "The account.") public var account: UInt64?
    @Option(
        parsing: .unconditional,
        help: "Instead: the sequence number of a liquidation input; the proof shows the step was justified.") public
        var event: UInt64?
    @Option(parsing: .unconditional, help: "The sequence a journaled root commits to (default: the latest root's).")
    public var at: UInt64?
    @Option(help: "SQLite database file (default ./solvent.db).") public var db: String?
    @Option(help: "PostgreSQL URL instead.") public var postgres: String?
    @Option(help: "Write the proof here (default: stdout).") public var output: String?
    public init() {}

    public func run() async throws {
        do {
            guard (account == nil) != (event == nil) else {
                throw InputError("--account", "give --account ID or --event SEQ")
            }
            if let event { return try await proveEvent(event) }
            let account = account!
            let store = try await openStore(db: db, postgres: postgres)
            // The root as journaled, its state replayed and the tree rebuilt (refused if it differs).
            let (engine, commitment, prices) = try await Commitments.rootAt(at, in: store)
            try await store.close()
            guard let proof = engine.proof(of: AccountID(account), commitment: commitment, priceInputs: prices) else {
                throw InputError("--account", "account \(account) does not exist at sequence \(engine.lastSequence)")
            }
            try write(proof, "account \(account) at sequence \(proof.root.sequence), root \(proof.root.hash)")
        } catch let error as InputError { throw failure(error.description) } catch let error as StoreError {
            throw failure(error.description)
        }
    }
}

extension ProveCommand {
    /// The liquidation proof for the input at `sequence`: the state just before it, the price
    /// input in force for its market, and the step it produced.
    func proveEvent(_ sequence: UInt64) async throws {
        guard sequence > 0 else { throw InputError("--event", "expected a positive sequence number") }
        let store = try await openStore(db: db, postgres: postgres)
        let (engine, prices) = try await Commitments.stateByMarket(at: sequence - 1, from: store)
        guard let entry = try await store.entries(after: sequence - 1, limit: 1).first, entry.sequence == sequence
        else {
            throw InputError("--event", "no input \(sequence) in the journal")
        }
        try await store.close()
        let input = try entry.input(now: engine.now)
        guard case .liquidate(_, let market, _) = input.command else {
            throw InputError(
                "--event", "input \(sequence) is not a liquidation (\(String(describing: input.command).prefix(40))…)")
        }
        let priceInput = try prices[market.rawValue].map { try JournalCodec.decode($0) }
        guard let proof = engine.liquidationProof(for: input, priceInput: priceInput) else {
            throw InputError("--event", "input \(sequence) produced no liquidation step (it was refused)")
        }
        try write(proof, "liquidation at sequence \(sequence)")
    }

    /// A proof to `--output` (or stdout), as the journal codec writes JSON.
    func write<Proof: Encodable>(_ proof: Proof, _ what: String) throws {
        let data = try JournalCodec.encoder(pretty: true).encode(proof)
        guard let output else { print(String(decoding: data, as: UTF8.self)); return }
        guard FileManager.default.createFile(atPath: output, contents: data) else {
            throw InputError(output, "cannot write the file")
        }
        Diagnostics.write("prove: \(what) → \(output)\n")
    }
}

/// `solvent verify PROOF.json --root ROOT`: recomputes and checks, reading nothing else.
public struct VerifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a margin proof against a published root.")
    @Argument(help: "The proof file.") public var proof: String
    @Option(help: "The published root (hex); margin proofs only.") public var root: String?
    public init() {}

    public func run() throws {
        let result: (lines: [String], holds: Bool)
        do { result = try Self.check(proofPath: proof, root: root) } catch let error as InputError {
            throw failure(error.description)
        }
        for line in result.lines { print(line) }
        if !result.holds { throw ExitCode(1) }
    }

    /// The verdict's lines and whether the proof holds (also used by tests). A file that is not
    /// a proof the engine could have written — unreadable, duplicated keys, a parameter the
    /// engine's validation refuses — is an `InputError` naming the field (exit 2), never run.
    static func check(proofPath proof: String, root: String?) throws -> (lines: [String], holds: Bool) {
        guard let data = FileManager.default.contents(atPath: proof) else {
            throw InputError(proof, "cannot read the file")
        }
        let object: [String: Any]
        do {
            guard let root = try StrictJSON.checked(data) as? [String: Any] else {
                throw InputError("", "expected a JSON object")
            }
            object = root
        } catch let error as InputError {
            throw InputError(error.location.isEmpty ? proof : "\(proof): \(error.location)", error.message)
        }
        let decoder = JournalCodec.decoder()
        // The decoder ignores keys it does not know: a field solvent prove never writes is
        // refused by name, found by re-encoding what was decoded.
        func refuseUnknownFields<Proof: Encodable>(_ parsed: Proof) throws {
            let known = try JSONSerialization.jsonObject(with: try JournalCodec.encoder(pretty: false).encode(parsed))
            if let key = StrictJSON.firstUnknownKey(object, known: known) {
                throw InputError(
                    "\(proof): \(key)", "unknown field; a proof holds only the fields solvent prove writes")
            }
        }
        func lines(_ verdict: MarginProof.Verification) -> [String] {
            verdict.verified.map { "✔ \($0)" } + verdict.failures.map { "✘ \($0)" }
        }
        if object["step"] != nil {
            let parsed: LiquidationProof
            do { parsed = try decoder.decode(LiquidationProof.self, from: data) } catch {
                throw InputError(proof, "not a liquidation proof (\(error))")
            }
            try refuseUnknownFields(parsed)
            if let (field, reason) = parsed.validationError() {
                throw InputError("\(proof): \(field)", "expected \(reason)")
            }
            let verdict = parsed.verify()
            return (
                lines(verdict) + [
                    verdict.holds
                        ? "VERIFIED: the liquidation of account \(parsed.account.id) at sequence \(parsed.sequence) (state before: \(parsed.stateDigestBefore))"
                        : "NOT VERIFIED"
                ], verdict.holds
            )
        }
        guard let root else { throw InputError("--root", "a margin proof is checked against the published root") }
        let parsed: MarginProof
        do { parsed = try decoder.decode(MarginProof.self, from: data) } catch {
            throw InputError(proof, "not a proof file (\(error))")
        }
        try refuseUnknownFields(parsed)
        if let (field, reason) = parsed.validationError() {
            throw InputError("\(proof): \(field)", "expected \(reason)")
        }
        let verdict = parsed.verify(rootHash: root)
        return (
            lines(verdict) + [
                verdict.holds
                    ? "VERIFIED: account \(parsed.account.id) at sequence \(parsed.root.sequence) (state digest \(parsed.root.stateDigest))"
                    : "NOT VERIFIED"
            ], verdict.holds
        )
    }
}

/// `solvent solvency`: per asset, the committed liabilities, the fund, the deficit and the
/// coverage by declared reserves.
public struct SolvencyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "solvency",
        abstract: "Per asset: committed liabilities, insurance fund, deficit, and coverage by declared reserves.")
    @Option(help: "SQLite database file (default ./solvent.db).") public var db: String?
    @Option(help: "PostgreSQL URL instead.") public var postgres: String?
    @Option(help: "Declared reserves, SYMBOL=AMOUNT (repeatable).") public var reserve: [String] = []
    public init() {}

    public func run() async throws {
        do {
            let store = try await openStore(db: db, postgres: postgres)
            let (engine, commitment) = try await journalEndRoot(store)
            try await store.close()
            var reserves: [String: String] = [:]
            for text in reserve {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw InputError("--reserve", "expected SYMBOL=AMOUNT, got \(text)") }
                reserves[parts[0].uppercased()] = parts[1]
            }
            let check = engine.solvencyCheck()
            var rows: [[String: Any]] = []
            for (index, asset) in engine.assets.enumerated() {
                let scale = asset.spec.scale
                var row: [String: Any] = [
                    "asset": asset.spec.symbol,
                    "liabilities": DecimalText.format(commitment.root.sums[index], scale: scale),
                    "insuranceFund": DecimalText.format(asset.insuranceFund, scale: scale),
                    "deficit": DecimalText.format(-asset.deficit, scale: scale),
                    "unbookedDebt": DecimalText.format(check.unbookedDebt[index], scale: scale),
                ]
                if let text = reserves[asset.spec.symbol.uppercased()] {
                    guard case .success(let atoms) = DecimalText.parse(text, scale: scale) else {
                        throw InputError("--reserve", "\(asset.spec.symbol): expected a decimal, got \(text)")
                    }
                    row["reserves"] = text
                    let owed = commitment.root.sums[index]
                    row["coverage"] = owed > 0 ? Double(atoms) / Double(owed) : NSNull()
                }
                rows.append(row)
            }
            let verdict =
                check.holds
                ? "every loss is booked"
                : "FAILED: \(check.debtors.count) account(s) without positions owe money that no fund draw, deleveraging or deficit booked"
            try printJSON([
                "root": rootObject(commitment.root), "assets": rows, "check": verdict,
                "unbookedValueUSD": Value(atoms: check.unbookedValue).description,
                "debtors": check.debtors.map { $0.rawValue },
                "awaitingLiquidation": check.awaitingLiquidation.map { $0.rawValue },
            ])
            if !check.holds {
                Diagnostics.write(
                    "solvent solvency: \(verdict): accounts \(check.debtors.prefix(10).map(\.description).joined(separator: ", "))\n"
                )
                throw ExitCode(1)
            }
        } catch let error as InputError { throw failure(error.description) } catch let error as StoreError {
            throw failure(error.description)
        }
    }
}
