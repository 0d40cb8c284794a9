import Foundation
import Synchronization

/// Random tokens standing in for a key where a browser cannot send a header: single-use
/// WebSocket and dashboard tickets (seconds), and dashboard sessions (hours, in an HttpOnly
/// cookie). A pass names only the key's hash, and every use re-authenticates that key, so
/// revoking or expiring the key ends its passes at once. Held in memory: a restart signs
/// browsers out. At most `capacity` passes; when full the one expiring first gives way.
final class Passes: Sendable {
    struct Pass { var keyHash: String; var expires: ContinuousClock.Instant }
    private let passes = Mutex<[String: Pass]>([:])
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new pass for the key with this hash.
    func issue(keyHash: String) -> String {
        let token = AccessKeys.randomHex()
        let now = ContinuousClock.now
        passes.withLock { passes in
            if passes.count >= capacity { passes = passes.filter { $0.value.expires > now } }
            if passes.count >= capacity, let first = passes.min(by: { $0.value.expires < $1.value.expires })?.key {
                passes[first] = nil
            }
            passes[token] = Pass(keyHash: keyHash, expires: now + lifetime)
        }
        return token
    }

    /// The key hash of a live pass, which stays valid (a session).
    func peek(_ token: String) -> String? {
        passes.withLock { passes in
            guard let pass = passes[token] else { return nil }
            guard pass.expires > ContinuousClock.now else { passes[token] = nil; return nil }
            return pass.keyHash
        }
    }

    /// The key hash of a live pass, which is used up (a ticket).
    func take(_ token: String) -> String? {
        passes.withLock { passes in
            guard let pass = passes.removeValue(forKey: token), pass.expires > ContinuousClock.now else { return nil }
            return pass.keyHash
        }
    }

    func remove(_ token: String) { passes.withLock { _ = $0.removeValue(forKey: token) } }
}
