import Foundation
import Hummingbird
import SolventCore
import SolventStore

/// The shard protocol's routes (`ShardProtocol`): what a venue's gateway sends a service that
/// runs as one of its shards (`solvent serve --shard k/N`). Admin keys only; a service that has
/// not joined a venue answers 409 `notShard`. Every write is journaled like any other input.
extension SolventService {
    func addShardRoutes(to router: Router<BasicRequestContext>) {
        let service = self
        router.post("/v1/shard/execute") { request, _ in
            let input: ShardProtocol.Input = try await service.shardRequest(request)
            let submission: JournaledEngine.Submission
            do {
                submission = try await service.engine.apply(
                    input.command, at: Timestamp(nanoseconds: input.time), sequence: input.sequence)
            } catch { throw Self.shardWriteFailure(error) }
            if submission.outcome.rejection == nil {
                service.metrics.applied.increment()
            } else {
                service.metrics.rejected.increment()
            }
            return try Self.shardReply(
                ShardProtocol.Executed(sequence: submission.sequence, outcome: submission.outcome))
        }
        router.post("/v1/shard/execute-batch") { request, _ in
            let batch: ShardProtocol.Batch = try await service.shardRequest(request)
            guard batch.commands.count <= Self.shardBatchLimit else {
                throw APIError.invalid(
                    "commands", "at most \(Self.shardBatchLimit) commands, got \(batch.commands.count)")
            }
            let submissions: [JournaledEngine.Submission]
            do {
                submissions = try await service.engine.apply(
                    batch: batch.commands, at: Timestamp(nanoseconds: batch.time), sequence: batch.sequence)
            } catch { throw Self.shardWriteFailure(error) }
            let applied = submissions.count { $0.outcome.rejection == nil }
            service.metrics.applied.increment(by: applied)
            service.metrics.rejected.increment(by: submissions.count - applied)
            return try Self.shardReply(
                ShardProtocol.BatchExecuted(
                    results: submissions.map { ShardProtocol.Executed(sequence: $0.sequence, outcome: $0.outcome) }))
        }
        // Everything `execute` applied, durable: the gateway syncs each shard before it
        // acknowledges a request.
        router.post("/v1/shard/sync") { request, _ in
            try await service.requireShard(request)
            let last: UInt64
            do { last = try await service.engine.sync() } catch { throw Self.journalUnavailable(error) }
            return try Self.shardReply(ShardProtocol.Synced(durableSequence: last))
        }
        router.post("/v1/shard/plan") { request, _ in
            let input: ShardProtocol.Input = try await service.shardRequest(request)
            let (planned, last) = await service.engine.read {
                ($0.plannedEvents(of: input.command, at: Timestamp(nanoseconds: input.time)), $0.lastSequence)
            }
            return try Self.shardReply(ShardProtocol.Executed(sequence: 0, outcome: planned.outcome), at: last)
        }
        // What the journal holds after a sequence: a restarted gateway checks that the inputs
        // there are the ones its log sent, not another writer's.
        router.get("/v1/shard/inputs") { request, _ in
            try await service.requireShard(request)
            let after = try Self.queryNumber(request, "after", maximum: UInt64(Int64.max))
            let limit = Int(try Self.queryNumber(request, "limit", minimum: 1, maximum: 1_000))
            let entries: [JournalEntry]
            do {
                _ = try await service.engine.sync()
                entries = try await service.store.entries(after: after, limit: limit)
            } catch { throw Self.journalUnavailable(error) }
            do {
                return try Self.shardReply(
                    ShardProtocol.Inputs(commands: try entries.map { try JournalCodec.decode($0.command) }))
            } catch let error as APIError { throw error } catch {
                throw Self.journalUnavailable(StoreError.corrupt("a journaled command does not decode: \(error)"))
            }
        }
        addShardReads(to: router)
    }

    /// A query parameter's decimal number from `minimum` to `maximum` (400 naming it otherwise).
    static func queryNumber(
        _ request: Request, _ name: String, minimum: UInt64 = 0, maximum: UInt64
    ) throws -> UInt64 {
        guard let text = request.uri.queryParameters.get(name), let value = UInt64(text), value >= minimum,
            value <= maximum
        else { throw APIError.invalid(name, "expected a number from \(minimum) to \(maximum)") }
        return value
    }

    /// What the coordinator reads before it sends: the shard's place and baton, an account, an
    /// asset, the pools in liquidation, and the two reads of auto-deleveraging.
    private func addShardReads(to router: Router<BasicRequestContext>) {
        let service = self
        router.get("/v1/shard/state") { request, _ in
            try await service.requireShard(request)
            let state = await service.engine.read { engine -> ShardProtocol.State? in
                guard let venue = engine.venue else { return nil }
                return ShardProtocol.State(
                    shard: venue.shard, shards: venue.shards, holdsLiquidation: venue.holdsLiquidation,
                    reservations: venue.reservations, lastSequence: engine.lastSequence,
                    now: engine.now.nanoseconds, digest: engine.digestHex(), baton: engine.venueLiquidationBaton)
            }
            guard let state else { throw Self.notShard }
            return try Self.shardReply(state, at: state.lastSequence)
        }
        // The baton alone (a move reads it; the state's digest hashes the whole state).
        router.get("/v1/shard/baton") { request, _ in
            try await service.requireShard(request)
            let (baton, last) = await service.engine.read {
                ($0.venue == nil ? nil : $0.venueLiquidationBaton, $0.lastSequence)
            }
            guard let baton else { throw Self.notShard }
            return try Self.shardReply(baton, at: last)
        }
        router.get("/v1/shard/accounts/:id") { request, context in
            try await service.requireShard(request)
            let id = AccountID(try Self.pathID(context, "id", minimum: 0, maximum: .max))
            let (digest, last) = await service.engine.read { ($0.digestHex(of: id), $0.lastSequence) }
            return try Self.shardReply(ShardProtocol.AccountState(exists: digest != nil, digest: digest), at: last)
        }
        router.get("/v1/shard/assets/:id") { request, context in
            try await service.requireShard(request)
            let id = AssetID(UInt32(try Self.pathID(context, "id", minimum: 0, maximum: UInt64(UInt32.max))))
            let (state, last) = await service.engine.read { ($0.asset(id), $0.lastSequence) }
            return try Self.shardReply(
                ShardProtocol.AssetState(deficit: state?.deficit ?? 0, insuranceFund: state?.insuranceFund ?? 0),
                at: last)
        }
        router.get("/v1/shard/alerts") { request, _ in
            try await service.requireShard(request)
            let (steps, last) = await service.engine.read { engine in
                (
                    engine.alerts.filter { $0.alert == .liquidating }.map(\.pool).sorted().compactMap { pool in
                        engine.nextLiquidationMarket(for: pool).map {
                            ShardProtocol.Alerts.Step(pool: pool, market: $0)
                        }
                    }, engine.lastSequence
                )
            }
            return try Self.shardReply(ShardProtocol.Alerts(liquidating: steps), at: last)
        }
        router.post("/v1/shard/deleveraging-need") { request, _ in
            let query: ShardProtocol.NeedQuery = try await service.shardRequest(request)
            let (result, last) = await service.engine.read {
                (
                    $0.venueDeleveragingNeed(account: query.account, market: query.market, keeper: query.keeper),
                    $0.lastSequence
                )
            }
            switch result {
            case .success(let need): return try Self.shardReply(ShardProtocol.NeedReply(need: need), at: last)
            case .failure(let rejection):
                return try Self.shardReply(ShardProtocol.NeedReply(rejection: rejection), at: last)
            }
        }
        router.post("/v1/shard/deleveraging-candidates") { request, _ in
            let need: VenueDeleveragingNeed = try await service.shardRequest(request)
            let (candidates, last) = await service.engine.read {
                ($0.deleveragingCandidates(for: need), $0.lastSequence)
            }
            return try Self.shardReply(ShardProtocol.Candidates(candidates: candidates), at: last)
        }
    }

    static let notShard = APIError(
        .conflict, "notShard", "this service has not joined a venue: start it with --shard k/N behind a gateway")

    /// An admin key, and a service that is one of a venue's shards and can still journal: once a
    /// journal write has failed its state may hold inputs the journal lost, so it answers no
    /// read a gateway would act on.
    func requireShard(_ request: Request) async throws {
        _ = try await require(request, [.admin])
        guard isVenueShard.withLock({ $0 }) else { throw Self.notShard }
        if let failure = await engine.journalFailure {
            throw Self.journalUnavailable(StoreError.unavailable("the journal failed: \(failure)"))
        }
    }

    /// The request's body as `T` (400 naming what does not decode).
    func shardRequest<T: Decodable>(_ request: Request) async throws -> T {
        try await requireShard(request)
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: Self.shardBodyLimit) } catch {
            throw APIError(.contentTooLarge, "tooLarge", "the request body exceeds \(Self.shardBodyLimit) bytes")
        }
        do { return try JournalCodec.decoder().decode(T.self, from: Data(buffer: buffer)) } catch {
            throw APIError.invalid("body", "not a shard protocol message: \(error)")
        }
    }

    static let shardBodyLimit = 8 << 20
    /// Commands in one `execute-batch` (the gateway's request limit).
    static let shardBatchLimit = 1_000

    static func shardReply<T: Encodable>(_ value: T) throws -> Response {
        JSON.response(data: try JournalCodec.compact(value))
    }

    /// A read's reply with the sequence of the state it was read from (`Solvent-Last-Sequence`):
    /// the gateway acts only on reads of the journal it knows, never of one that lost inputs.
    static func shardReply<T: Encodable>(_ value: T, at sequence: UInt64) throws -> Response {
        var response = try shardReply(value)
        response.headers[ShardProtocol.lastSequenceHeader] = String(sequence)
        return response
    }

    /// A write the shard could not take: 409 `sequenceMismatch` (nothing applied) when the
    /// gateway's numbering and the journal's differ, else the journal's failure.
    static func shardWriteFailure(_ error: any Error) -> APIError {
        if case .outOfOrder(let expected, let got) = error as? StoreError {
            return APIError(
                .conflict, "sequenceMismatch",
                "the gateway sent input \(got), the journal's next is \(expected): nothing was applied")
        }
        return journalUnavailable(error)
    }

    /// A path's decimal id from `minimum` to `maximum` (the shard protocol reads every id the
    /// engine accepts; a client's routes, 1 to 2^63 - 1).
    static func pathID(
        _ context: BasicRequestContext, _ name: String, minimum: UInt64 = 1, maximum: UInt64 = UInt64(Int64.max)
    ) throws -> UInt64 {
        guard let text = context.parameters.get(name), let id = UInt64(text), id >= minimum, id <= maximum else {
            throw APIError.invalid(name, "expected an id from \(minimum) to \(maximum)")
        }
        return id
    }
}
