import Foundation
import SolventCore

/// The snapshot document: a format version and the engine's canonical state (`EngineState`),
/// as JSON. Derived indexes are never written; reading rebuilds them (`Engine(restoring:)`), and
/// recovery checks the rebuilt engine's digest against the one recorded with the snapshot.
///
/// Versioning rule: a change to what the document holds, or to how a field is encoded, takes
/// the next `formatVersion`; the reader keeps reading every earlier version (each has a
/// checked-in fixture and a test that loads it to the digest a replay gives). Writers write only
/// the current version. A version newer than the reader knows is an error, never a guess.
///
/// - Version 1: the synthesized `Codable` of the whole engine struct, derived indexes included,
///   with no version field. Read through its canonical keys only (everything else is ignored).
/// - Version 2: `{"formatVersion": 2, "state": EngineState}`.
public enum SnapshotFormat {
    public static let currentVersion = 2

    struct Document: Codable {
        var formatVersion: Int
        var state: EngineState
    }

    struct Header: Decodable {
        var formatVersion: Int?
    }

    /// Version 1's canonical keys, by their names in the engine struct of that format.
    struct VersionOne: Decodable {
        struct Window: Decodable {
            var ring: [CommandID]
            var oldest: Int
        }

        var lastSequence: UInt64
        var now: Timestamp
        var assets: [AssetState]
        var markets: [MarketState]
        var accounts: [Account]
        var alertsByPool: [PoolKey: MarginAlert]
        var auctions: [LiquidationAuction]
        var latestCommitment: CommitmentRoot?
        var portfolioMargin: PortfolioMarginRules
        var varMargin: VaRMarginRules
        var spanMargin: SpanMarginRules
        var greeksMargin: GreeksMarginRules
        var spreadCredits: SpreadCreditRules
        var recentCommands: Window

        var state: EngineState {
            let ring = recentCommands.ring
            let oldest = min(max(recentCommands.oldest, 0), ring.count)
            return EngineState(
                lastSequence: lastSequence, now: now, assets: assets, markets: markets, accounts: accounts,
                alerts: alertsByPool.keys.sorted().map { EngineState.PoolAlert(pool: $0, alert: alertsByPool[$0]!) },
                auctions: auctions, latestCommitment: latestCommitment, portfolioMargin: portfolioMargin,
                varMargin: varMargin, spanMargin: spanMargin, greeksMargin: greeksMargin, spreadCredits: spreadCredits,
                recentCommands: Array(ring[oldest...]) + Array(ring[..<oldest]))
        }
    }

    /// The current version's document for `engine`.
    public static func encode(_ engine: Engine) throws -> Data {
        try JournalCodec.encoder().encode(Document(formatVersion: currentVersion, state: engine.canonicalState))
    }

    /// The format version of a snapshot document (1 when it has no version field).
    public static func version(of data: Data) throws -> Int {
        do { return try JournalCodec.decoder().decode(Header.self, from: data).formatVersion ?? 1 } catch {
            throw StoreError.corrupt("a snapshot is not a JSON document: \(error)")
        }
    }

    /// The canonical state a snapshot of any known version holds.
    public static func decodeState(_ data: Data) throws -> EngineState {
        let version = try version(of: data)
        do {
            switch version {
            case 1: return try JournalCodec.decoder().decode(VersionOne.self, from: data).state
            case currentVersion: return try JournalCodec.decoder().decode(Document.self, from: data).state
            default:
                throw StoreError.corrupt(
                    "snapshot format version \(version) is not one this build reads (1–\(currentVersion))")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corrupt("a version \(version) snapshot does not decode: \(error)")
        }
    }

    /// An engine restored from a snapshot of any known version.
    public static func decode(_ data: Data) throws -> Engine {
        let state = try decodeState(data)
        guard state.accounts.first?.id == .venue else {
            throw StoreError.corrupt("a snapshot's first account is not the venue's book")
        }
        return Engine(restoring: state)
    }
}
