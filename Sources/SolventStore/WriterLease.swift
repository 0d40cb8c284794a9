import Foundation

/// Who writes the journal: a running service records its host and process id beside the journal,
/// so a command that would append to the same journal (`solvent commit`, `solvent solvency`)
/// refuses instead of taking the service's next sequence number (which would stop the service:
/// its append would be out of order). A lease whose process is gone (a crash) does not block.
public enum WriterLease {
    static let name = "writer-lease"

    /// Records this process (or `process`) as the journal's writer.
    public static func take(_ store: JournalStore, process: Int32 = getpid()) async throws {
        try await store.saveSetting(name, "\(hostName()) \(process)")
    }

    public static func release(_ store: JournalStore) async throws {
        try await store.saveSetting(name, "")
    }

    /// Throws when a live service holds the store: on this host when its process still runs; on
    /// another host always (its process cannot be checked from here).
    public static func refuseIfHeld(_ store: JournalStore, what: String) async throws {
        // On a shared journal the leader lease says it: a live lease is a running service.
        if let election = store as? any LeaderElection, let current = try await election.leader(),
            current.remainingMilliseconds > 0
        {
            throw StoreError.unavailable(
                "a service (\(current.holder), serving \(current.address)) leads this journal: "
                    + "\(what) through its API instead, or stop it first"
            )
        }
        guard let text = try await store.setting(name), !text.isEmpty else { return }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let pid = Int32(parts[1]) else { return }
        let host = String(parts[0])
        if host == hostName() && (pid == getpid() || kill(pid, 0) != 0) { return }
        throw StoreError.unavailable(
            "a service (\(host), process \(pid)) writes this journal: \(what) through its API instead, or stop it first"
        )
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "unknown" : name.replacingOccurrences(of: " ", with: "_")
    }
}
