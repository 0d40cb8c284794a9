import Synchronization

/// Token buckets by name (an API key, a client address): each holds up to `burst` tokens,
/// refilled at `rate` a second; a request takes one or is refused with the wait until the next.
///
/// Bounded: at most `capacity` buckets. When full, the buckets that have refilled (the same as a
/// new one) go first; if that frees too little (a flood of distinct keys), arbitrary ones go
/// until an eighth is free — a forgotten bucket starts full again, so under such a flood the
/// per-key limit grows lenient while the per-address one still holds.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Double
    let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Int, capacity: Int = 65_536) {
        self.rate = rate
        self.burst = Double(burst)
        self.capacity = capacity
    }

    /// Takes a token from `name`'s bucket: nil if granted, else the seconds until one is there.
    func take(_ name: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { buckets in
            if buckets.count >= capacity, buckets[name] == nil { evict(&buckets, now: now) }
            var bucket = buckets[name] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + seconds(from: bucket.updated, to: now) * rate)
            bucket.updated = now
            defer { buckets[name] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }

    var count: Int { buckets.withLock { $0.count } }

    private func evict(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in bucket.tokens + seconds(from: bucket.updated, to: now) * rate < burst }
        let excess = buckets.count - (capacity - capacity / 8)
        if excess > 0 { for name in Array(buckets.keys.prefix(excess)) { buckets[name] = nil } }
    }

    private func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let elapsed = end - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
