import SolventCore

/// How the commitment's independent chunks of work (salts, leaves, large tree levels) are run.
/// The core holds no threads (DESIGN.md §2): it runs them one after another unless its caller —
/// the store, the CLI, a benchmark — passes a runner over the machine's cores. Each chunk writes
/// only its own slots, so the result does not depend on the runner.
public struct ParallelChunks: Sendable {
    public let run: @Sendable (_ chunks: Int, _ body: @Sendable (Int) -> Void) -> Void

    public init(run: @escaping @Sendable (_ chunks: Int, _ body: @Sendable (Int) -> Void) -> Void) {
        self.run = run
    }

    /// Every chunk in order, on the calling thread.
    public static let sequential = ParallelChunks { chunks, body in
        for chunk in 0..<chunks { body(chunk) }
    }
}
