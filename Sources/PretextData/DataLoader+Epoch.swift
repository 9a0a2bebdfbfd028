import Foundation

extension DataLoader {
    /// One pass over the dataset. Iterate it (`for r in epoch { let batch = try r.get() }`) or call
    /// `nextBatch()`; dropping it stops its workers.
    public final class Epoch: Sequence, IteratorProtocol {
        public typealias Element = Result<Batch, DataError>

        public let epoch: Int
        private let state: EpochState
        private var started = false

        init(loader: DataLoader, epoch: Int) {
            self.epoch = epoch
            self.state = EpochState(loader: loader, epoch: epoch)
        }

        deinit { state.cancel() }

        /// Samples left out so far because their image could not be read (`skipBadImages`).
        public var skipped: [(index: Int, error: DataError)] { state.skippedSamples() }

        /// The next batch, nil at the end of the epoch; throws the first unreadable image's error (which
        /// ends the epoch) unless the loader skips bad images.
        public func nextBatch() throws -> Batch? {
            if !started {
                started = true
                state.start()
            }
            return try state.nextBatch()
        }

        /// `Sequence` access: each element is the batch or the error that ended the epoch.
        public func next() -> Result<Batch, DataError>? {
            do {
                guard let b = try nextBatch() else { return nil }
                return .success(b)
            } catch let e as DataError {
                return .failure(e)
            } catch {
                return .failure(.corruptImage(path: "?", reason: "\(error)"))
            }
        }
    }
}

/// The shared state of one epoch's workers and its consumer.
final class EpochState: @unchecked Sendable {
    let loader: DataLoader
    let epoch: Int
    let order: [Int]
    let batchCount: Int
    let cond = NSCondition()

    // Guarded by `cond`.
    private var nextSample = 0          // next sample position to hand out
    private var consumed = 0            // index of the next batch to deliver
    private var cancelled = false
    private var failedBatch = Int.max  // lowest batch that failed; no work is handed out from it on
    private var batches: [Int: BatchAssembly] = [:]
    private var skipped: [(Int, DataError)] = []
    private var threads: [Thread] = []

    init(loader: DataLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        self.batchCount = loader.batchesPerEpoch
        self.order = loader.shardOrder(epoch: epoch)
    }

    func batchRange(_ b: Int) -> Range<Int> {
        b * loader.batchSize..<min(order.count, (b + 1) * loader.batchSize)
    }

    func start() {
        guard loader.workers > 0 else { return }
        for w in 0..<loader.workers {
            let t = Thread { [self] in self.workerLoop() }
            t.name = "pretext-loader-\(w)"
            t.stackSize = 8 << 20
            threads.append(t)
            t.start()
        }
    }

    func cancel() {
        cond.lock()
        cancelled = true
        cond.broadcast()
        cond.unlock()
    }

    func skippedSamples() -> [(index: Int, error: DataError)] {
        cond.lock()
        defer { cond.unlock() }
        return skipped.map { (index: $0.0, error: $0.1) }
    }

    /// Claims up to `chunk` samples of one batch within the prefetch window (nil when done/cancelled).
    private func claim() -> (batch: Int, range: Range<Int>)? {
        cond.lock()
        defer { cond.unlock() }
        while true {
            if cancelled || nextSample >= order.count { return nil }
            let b = nextSample / loader.batchSize
            if b >= failedBatch { return nil }
            if b < consumed + loader.prefetch {
                let r = batchRange(b)
                let chunk = max(1, min(16, loader.batchSize / max(1, 2 * loader.workers)))
                let hi = min(r.upperBound, nextSample + chunk)
                let range = nextSample..<hi
                nextSample = hi
                if batches[b] == nil { batches[b] = BatchAssembly(size: r.count) }
                return (b, range)
            }
            cond.wait()
        }
    }

    private func workerLoop() {
        while let (b, range) = claim() {
            for p in range { process(batch: b, position: p) }
        }
    }

    /// Decodes, transforms and stores sample `position` of batch `b`.
    private func process(batch b: Int, position p: Int) {
        let index = order[p]
        let slot = p - b * loader.batchSize
        var outcome: Result<Views, DataError>
        do {
            let img = try loader.dataset.image(at: index)
            var rng = loader.sampleRNG(epoch: epoch, index: index)
            outcome = .success(loader.transform(img, &rng))
        } catch let e as DataError {
            outcome = .failure(e)
        } catch {
            outcome = .failure(.corruptImage(path: loader.dataset.name(at: index), reason: "\(error)"))
        }
        cond.lock()
        guard let asm = batches[b] else { cond.unlock(); return }
        cond.unlock()
        // Store (allocating the batch tensors from the first finished sample), outside the lock except
        // for the bookkeeping.
        switch outcome {
        case let .success(views):
            if let err = asm.store(views, slot: slot, index: index, name: loader.dataset.name(at: index)) {
                finish(b, asm, failure: err)
                return
            }
        case let .failure(e):
            if loader.skipBadImages && e.isBadImage {
                cond.lock()
                skipped.append((index, e))
                cond.unlock()
                asm.markSkipped(slot: slot)
            } else {
                finish(b, asm, failure: e)
                return
            }
        }
        if asm.completeOne() { finish(b, asm, failure: nil) }
    }

    /// Publishes batch `b` (collated or failed).
    private func finish(_ b: Int, _ asm: BatchAssembly, failure: DataError?) {
        let result: Result<Batch?, DataError>
        if let f = failure {
            result = .failure(f)
        } else {
            let r = batchRange(b)
            let indices = Array(order[r])
            result = .success(asm.batch(indices: indices, labels: indices.map { loader.dataset.label(at: $0) }))
        }
        cond.lock()
        if failure != nil { failedBatch = min(failedBatch, b) }
        if asm.result == nil { asm.result = result }
        cond.broadcast()
        cond.unlock()
    }

    func nextBatch() throws -> Batch? {
        if loader.workers == 0 { return try nextBatchInline() }
        cond.lock()
        defer { cond.unlock() }
        while true {
            if consumed >= batchCount || cancelled { return nil }
            if let asm = batches[consumed], let res = asm.result {
                batches[consumed] = nil
                consumed += 1
                cond.broadcast()
                switch res {
                case let .failure(e):
                    cancelled = true
                    throw e
                case let .success(batch):
                    if let batch { return batch }
                    continue // every sample skipped
                }
            }
            cond.wait()
        }
    }

    /// workers == 0: builds each batch on the calling thread.
    private func nextBatchInline() throws -> Batch? {
        while consumed < batchCount && !cancelled {
            let b = consumed
            consumed += 1
            let r = batchRange(b)
            let asm = BatchAssembly(size: r.count)
            cond.lock()
            batches[b] = asm
            cond.unlock()
            for p in r { process(batch: b, position: p) }
            cond.lock()
            batches[b] = nil
            cond.unlock()
            switch asm.result {
            case let .failure(e)?:
                cancelled = true
                throw e
            case let .success(batch)?:
                if let batch { return batch }
            case nil:
                return nil
            }
        }
        return nil
    }
}

/// The views of one batch as they arrive, written straight into the batch tensors.
final class BatchAssembly: @unchecked Sendable {
    let size: Int
    private let lock = NSLock()
    private var tensors: [Tensor]? = nil
    private var viewShapes: [[Int]] = []
    private var labelCount = -1
    private var viewLabels: [[Int]] = []
    private var present: [Bool]
    private var remaining: Int
    /// Set once, under the epoch's condition lock.
    var result: Result<Batch?, DataError>? = nil

    init(size: Int) {
        self.size = size
        self.remaining = size
        self.present = [Bool](repeating: false, count: size)
    }

    /// Copies `views` into slot `slot`; returns an error when they do not match the batch's layout.
    func store(_ views: Views, slot: Int, index: Int, name: String) -> DataError? {
        let shapes = views.tensors.map(\.shape)
        lock.lock()
        if tensors == nil {
            guard !shapes.isEmpty, shapes.allSatisfy({ !$0.isEmpty }) else {
                lock.unlock()
                return .inconsistentViews(index: index, name: name, detail: "the transform returned no view tensors")
            }
            viewShapes = shapes
            tensors = shapes.map { Tensor(uninitialized: [size] + $0) }
            labelCount = views.labels.count
            viewLabels = Array(repeating: Array(repeating: 0, count: size), count: labelCount)
        }
        guard shapes == viewShapes else {
            lock.unlock()
            return .inconsistentViews(index: index, name: name, detail: "view shapes \(shapes), batch has \(viewShapes)")
        }
        guard views.labels.count == labelCount else {
            lock.unlock()
            return .inconsistentViews(index: index, name: name, detail: "\(views.labels.count) view labels, batch has \(labelCount)")
        }
        for l in 0..<labelCount { viewLabels[l][slot] = views.labels[l] }
        present[slot] = true
        let dst = tensors!
        lock.unlock()
        for (v, t) in views.tensors.enumerated() {
            let n = t.count
            (dst[v].storage.pointer + slot * n).update(from: t.storage.pointer, count: n)
        }
        return nil
    }

    func markSkipped(slot: Int) {
        lock.lock()
        present[slot] = false
        lock.unlock()
    }

    /// Counts one finished sample; true when it was the last.
    func completeOne() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        remaining -= 1
        return remaining == 0
    }

    /// The finished batch (nil when every sample was skipped), compacted if samples were skipped.
    func batch(indices: [Int], labels: [Int?]) -> Batch? {
        lock.lock()
        defer { lock.unlock() }
        guard let tensors else { return nil }
        let keep = (0..<size).filter { present[$0] }
        if keep.isEmpty { return nil }
        if keep.count == size {
            return Batch(views: tensors, viewLabels: viewLabels, labels: labels, indices: indices)
        }
        let views = zip(tensors, viewShapes).map { (t, shape) -> Tensor in
            let n = shape.reduce(1, *)
            return Tensor(shape: [keep.count] + shape) { buf in
                for (k, s) in keep.enumerated() {
                    (buf.baseAddress! + k * n).update(from: t.storage.pointer + s * n, count: n)
                }
            }
        }
        return Batch(views: views, viewLabels: viewLabels.map { row in keep.map { row[$0] } },
                     labels: keep.map { labels[$0] }, indices: keep.map { indices[$0] })
    }
}
