import Foundation
import Synchronization

/// A fixed number of dedicated threads for CPU-bound work on remote data (parsing fetched pages),
/// so that work never occupies the threads that answer HTTP or run Swift's cooperative pool.
///
/// Jobs wait in FIFO order; at most ``threads`` run at once. Callers are suspended, not blocked,
/// while their job waits or runs. The threads end when the pool is released.
public final class WorkPool: Sendable {
    /// The number of worker threads.
    public let threads: Int
    private let state: State

    public init(threads: Int, name: String = "linkback-work") {
        self.threads = max(1, threads)
        state = State()
        for index in 0..<self.threads {
            let threadName = "\(name)-\(index)"
            let thread = Thread { [state] in
                Self.nameCurrentThread(threadName)
                state.work()
            }
            thread.name = threadName
            thread.start()
        }
    }

    deinit {
        state.stop()
    }

    /// Names the calling thread for `ps`, `top` and `perf`. (Foundation's `Thread.name`, set from
    /// inside a just-started thread, sometimes never reaches the kernel: the thread then keeps
    /// the name it inherited from its creator, such as a Dispatch worker's.)
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        // The kernel keeps 15 bytes; writing the thread's own comm file renames it.
        try? String(name.utf8.prefix(15))?.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
    }

    /// Runs `job` on one of the pool's threads and returns its result.
    public func run<T: Sendable>(_ job: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            state.submit { continuation.resume(returning: job()) }
        }
    }

    /// Runs `job` on `pool` when there is one, else on the calling task (the CLI parses there).
    public static func run<T: Sendable>(on pool: WorkPool?, _ job: @escaping @Sendable () -> T) async -> T {
        guard let pool else { return job() }
        return await pool.run(job)
    }

    /// Jobs in line, not yet running.
    public var waiting: Int { state.waiting }

    /// The queue and the threads' wake-ups.
    private final class State: @unchecked Sendable {
        private let condition = NSCondition()
        /// Taken jobs are set to `nil` at once: a job's closure holds what it captured (a fetched
        /// page) until it is released, and the array is only compacted now and then.
        private var jobs: [(@Sendable () -> Void)?] = []
        private var head = 0
        private var stopping = false

        var waiting: Int {
            condition.lock()
            defer { condition.unlock() }
            return jobs.count - head
        }

        func submit(_ job: @escaping @Sendable () -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopping = true
            condition.broadcast()
            condition.unlock()
        }

        func work() {
            while true {
                condition.lock()
                while head == jobs.count && !stopping { condition.wait() }
                if head == jobs.count {
                    condition.unlock()
                    return
                }
                let job = jobs[head]
                jobs[head] = nil
                head += 1
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                } else if head > 1024, head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                condition.unlock()
                job?()
            }
        }
    }
}
