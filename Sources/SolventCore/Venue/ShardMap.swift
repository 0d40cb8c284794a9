/// Which shard holds an account: Lamping and Veach's jump consistent hash of the account id
/// ("A Fast, Minimal Memory, Consistent Hash Algorithm", 2014). The same id always lands on the
/// same shard for a given count, and growing the venue from n to n + 1 shards moves only about
/// 1/(n + 1) of the accounts. A deployment records the count (and every account's shard) in its
/// database, so the mapping is stable and can be checked.
public struct ShardMap: Hashable, Sendable, Codable {
    public let shards: Int

    public init(shards: Int) {
        precondition(shards >= 1 && shards <= Int(Limits.venueShards), "1 to \(Limits.venueShards) shards")
        self.shards = shards
    }

    public func shard(of account: AccountID) -> Int {
        Self.jumpHash(key: account.rawValue, buckets: shards)
    }

    /// The published algorithm, on 64-bit keys: a linear congruential step per jump, so the
    /// expected number of iterations is ln(buckets).
    static func jumpHash(key: UInt64, buckets: Int) -> Int {
        var key = key
        var bucket: Int64 = -1
        var next: Int64 = 0
        while next < Int64(buckets) {
            bucket = next
            key = key &* 2_862_933_555_777_941_757 &+ 1
            next = Int64(Double(bucket + 1) * (Double(Int64(1) << 31) / Double((key >> 33) + 1)))
        }
        return Int(bucket)
    }
}
