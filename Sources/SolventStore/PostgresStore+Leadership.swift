#if PostgreSQL
import Foundation
import PostgresNIO

/// The leader lease in the journal's own database: one row, its expiry by the database's clock
/// (so no two hosts' clocks need agree), its epoch raised by every change of holder.
extension PostgresStore {
    public func takeLeadership(holder: String, address: String, lease: Duration) async throws -> UInt64? {
        var query = PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(schema).leadership AS l (name, holder, address, epoch, expires_at)
                VALUES ('journal', $1, $2, 1, clock_timestamp() + $3 * INTERVAL '1 millisecond')
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, address = EXCLUDED.address,
                  epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
                WHERE l.expires_at < clock_timestamp()
                RETURNING epoch
                """)
        query.binds.append(holder)
        query.binds.append(address)
        query.binds.append(lease.wholeMilliseconds)
        for try await epoch in try await client.query(query, logger: logger).decode(Int64.self) {
            return UInt64(epoch)
        }
        return nil
    }

    public func renewLeadership(holder: String, epoch: UInt64, lease: Duration) async throws -> Bool {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE \(schema).leadership SET expires_at = clock_timestamp() + $3 * INTERVAL '1 millisecond'
                WHERE name = 'journal' AND holder = $1 AND epoch = $2 RETURNING epoch
                """)
        query.binds.append(holder)
        query.binds.append(Int64(bitPattern: epoch))
        query.binds.append(lease.wholeMilliseconds)
        for try await _ in try await client.query(query, logger: logger).decode(Int64.self) { return true }
        return false
    }

    public func resignLeadership(holder: String, epoch: UInt64) async throws {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE \(schema).leadership SET expires_at = clock_timestamp() - INTERVAL '1 millisecond'
                WHERE name = 'journal' AND holder = $1 AND epoch = $2
                """)
        query.binds.append(holder)
        query.binds.append(Int64(bitPattern: epoch))
        try await client.query(query, logger: logger)
    }

    public func leader() async throws -> LeaseHolder? {
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT holder, address, epoch,
                  (EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000)::BIGINT
                FROM \(schema).leadership WHERE name = 'journal'
                """)
        for try await (holder, address, epoch, remaining) in try await client.query(query, logger: logger).decode(
            (String, String, Int64, Int64).self)
        {
            return LeaseHolder(
                holder: holder, address: address, epoch: UInt64(epoch), remainingMilliseconds: remaining)
        }
        return nil
    }

    public func fence(epoch: UInt64) { fenceEpoch.withLock { $0 = epoch } }

    /// Throws `deposed` when this store is fenced by an epoch the lease has left behind, and
    /// `unavailable` when it has no lease while a service holds a live one.
    func refuseIfDeposed(_ epoch: UInt64) async throws {
        guard let current = try await leader() else { return }
        if epoch == 0 {
            guard current.remainingMilliseconds > 0 else { return }
            throw StoreError.unavailable(
                "a service (\(current.holder), serving \(current.address)) leads this journal: write through its API")
        }
        guard current.epoch != epoch else { return }
        throw StoreError.deposed(
            "the lease passed from epoch \(epoch) to epoch \(current.epoch) "
                + "(\(current.holder), serving \(current.address))")
    }
}
#endif
