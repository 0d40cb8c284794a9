import Dispatch
import SolventCore
import SolventProofs

extension ParallelChunks {
    /// The commitment's chunks on every core (the core itself holds no threads).
    public static let cores = ParallelChunks { chunks, body in
        DispatchQueue.concurrentPerform(iterations: chunks) { body($0) }
    }
}
