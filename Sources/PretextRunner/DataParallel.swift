import Foundation
import PretextCore
import PretextNN
import PretextTensor

/// Data-parallel training over the ranks of an MPI job, with PyTorch DDP's semantics (`mpirun -np N
/// ssl-run …`): every rank holds the whole model and trains on its shard of each global batch
/// (`DataLoader.shard`); after backward the gradients are averaged over the ranks, so every rank takes
/// the same optimizer step and the model stays identical everywhere.
///
/// - Start: rank 0's parameters and buffers are broadcast (DDP's initial sync); with `train.sync_bn`
///   every batch-norm layer normalises with the statistics of all ranks' batches (`BatchNorm.syncGroup`).
/// - Each step: rank 0's buffers (batch-norm running statistics) are broadcast before the forward pass,
///   as DDP's `broadcast_buffers`; gradients are summed in buckets of about `train.bucket_mb` and
///   divided by the number of ranks. As in DDP, a bucket's sum starts during backward, the moment its
///   last gradient is final (`Tensor.leafGradientReady`), so communication overlaps the rest of
///   backward; buckets start in a fixed order on every rank, on a communicator of their own.
/// - The buckets hold the parameters that had a gradient on some rank in the previous step; one of them
///   without a gradient on this rank adds zeros. When the set changes (the first step, a branch taken
///   by one rank's data, prototypes frozen for an epoch) the sums of that step are dropped — gradients
///   are only read until the copy-back — and redone on a new layout, so a parameter without a gradient
///   on any rank keeps none (the optimizer skips it, as in a single process).
/// - Parameters are visited in the order of their module name and key, never of a dictionary, so every
///   rank lays out the same buckets.
final class DataParallel {
    let group: ProcessGroup
    let parameters: [Tensor]
    let buffers: [Buffer]
    let bucketBytes: Int
    /// The buckets (indices into `parameters`) and each one's flat buffer; empty before the first step.
    private var buckets: [[Int]] = []
    private var flats: [UnsafeMutableBufferPointer<Float>] = []
    /// Per parameter: whether it is in a bucket (it had a gradient on some rank in the previous step),
    /// and which.
    private var bucketed: [Bool] = []
    private var bucketOf: [Int] = []
    /// Gradients still to come, per bucket, in the backward under way; the next bucket to start.
    private var missing: [Int] = []
    private var nextBucket = 0
    /// Buckets started during backward and in all, since `takeOverlap` (logged as `allreduce_overlapped`).
    private var startedEarly = 0, startedTotal = 0
    /// The order in which this backward finalised the parameters' gradients (indices into `parameters`):
    /// buckets follow rank 0's, so the first to fill are the first to start (the heads and the last
    /// layers, as DDP's reverse-order buckets).
    private var readyOrder: [Int] = []
    private var indexOf: [ObjectIdentifier: Int] = [:]
    /// Seconds spent in the gradient all-reduce and buffer broadcasts since `takeCommunicationSeconds`
    /// (logged per epoch as `allreduce_seconds`, to weigh communication against the step).
    private var communication = 0.0

    func takeCommunicationSeconds() -> Double {
        defer { communication = 0 }
        return communication
    }

    init(method: any Method, group: ProcessGroup, syncBatchNorm: Bool, bucketBytes: Int = 4 << 20) {
        self.group = group
        self.bucketBytes = max(4, bucketBytes)
        var seen = Set<ObjectIdentifier>(), params: [Tensor] = [], bufs: [Buffer] = []
        var modules = method.modules.sorted { $0.key < $1.key }.map(\.value)
        modules += method.momentumTargets.flatMap { [$0.online, $0.target] }
        for m in modules {
            for (_, t) in m.namedParameters() where seen.insert(ObjectIdentifier(t)).inserted { params.append(t) }
            for (_, b) in m.namedBuffers() where seen.insert(ObjectIdentifier(b)).inserted { bufs.append(b) }
            if syncBatchNorm {
                for (_, sub) in m.namedModules() { (sub as? BatchNorm)?.syncGroup = group }
            }
        }
        parameters = params
        buffers = bufs
        indexOf = Dictionary(uniqueKeysWithValues: params.enumerated().map { (ObjectIdentifier($0.element), $0.offset) })
    }

    /// Rank 0's parameters and buffers on every rank.
    func broadcastState() {
        for t in parameters { group.broadcast(t.storage.buffer) }
        broadcastBuffers()
    }

    func broadcastBuffers() {
        let start = Date()
        for b in buffers { group.broadcast(b.value.storage.buffer) }
        communication += Date().timeIntervalSince(start)
    }

    deinit {
        Tensor.leafGradientReady = nil
        for f in flats { f.deallocate() }
    }

    /// The share of gradient buckets whose sum started during backward since the last call.
    func takeOverlap() -> Double {
        defer { startedEarly = 0; startedTotal = 0 }
        return startedTotal == 0 ? 0 : Double(startedEarly) / Double(startedTotal)
    }

    /// Call before the backward of a step's last micro-batch: buckets start as their gradients come in
    /// (and the order the gradients come in is noted for the next layout of the buckets).
    func beginBackward() {
        readyOrder = []
        missing = buckets.map(\.count)
        nextBucket = 0
        Tensor.leafGradientReady = { [unowned self] t in
            guard let i = self.indexOf[ObjectIdentifier(t)] else { return }
            self.readyOrder.append(i)
            guard self.bucketed.indices.contains(i), self.bucketed[i] else { return }
            let b = self.bucketOf[i]
            self.missing[b] -= 1
            while self.nextBucket < self.buckets.count && self.missing[self.nextBucket] == 0 {
                self.start(self.nextBucket)
                self.startedEarly += 1
                self.nextBucket += 1
            }
            self.group.progressStartedSums()
        }
    }

    func endBackward() {
        Tensor.leafGradientReady = nil
    }

    /// Gradients averaged over the ranks: the buckets not started during backward start now, every sum
    /// is awaited, and the averages are copied back into the gradients.
    func averageGradients() {
        let start = Date()
        defer { communication += Date().timeIntervalSince(start) }
        while nextBucket < buckets.count {
            self.start(nextBucket)
            nextBucket += 1
        }
        startedTotal += buckets.count
        let present = group.allReduceMax(parameters.map { $0.grad == nil ? 0 : 1 }).map { $0 > 0 }
        group.waitStartedSums()
        if present != bucketed {
            layOutBuckets(present: present)
            for b in buckets.indices { self.start(b) }
            group.waitStartedSums()
        }
        let scale = 1 / Float(group.size)
        for (b, members) in buckets.enumerated() {
            var offset = 0
            for i in members {
                let t = parameters[i], n = t.count
                if t.grad == nil { t.grad = Tensor.zeros(t.shape) }
                let p = t.grad!.storage.pointer, f = flats[b].baseAddress! + offset
                for k in 0..<n { p[k] = f[k] * scale }
                offset += n
            }
        }
        nextBucket = 0
    }

    /// Buckets of about `bucketBytes` over the parameters present in this step, in the order rank 0's
    /// backward finalised them (parameters it saw no gradient for last, in reverse): the same layout on
    /// every rank.
    private func layOutBuckets(present: [Bool]) {
        for f in flats { f.deallocate() }
        buckets = []
        flats = []
        bucketed = present
        bucketOf = [Int](repeating: -1, count: parameters.count)
        var sequence: [Int] = []
        var placed = [Bool](repeating: false, count: parameters.count)
        for i in broadcastOrder(readyOrder) where bucketed[i] && !placed[i] { sequence.append(i); placed[i] = true }
        for i in parameters.indices.reversed() where bucketed[i] && !placed[i] { sequence.append(i) }
        var bucket: [Int] = [], bytes = 0
        func close() {
            guard !bucket.isEmpty else { return }
            flats.append(.allocate(capacity: bucket.reduce(0) { $0 + parameters[$1].count }))
            for i in bucket { bucketOf[i] = buckets.count }
            buckets.append(bucket)
            bucket = []
            bytes = 0
        }
        for i in sequence {
            bucket.append(i)
            bytes += parameters[i].count * 4
            if bytes >= bucketBytes { close() }
        }
        close()
    }

    /// Rank 0's `order` on every rank (indices below `parameters.count`, as little-endian Int32).
    private func broadcastOrder(_ order: [Int]) -> [Int] {
        var bytes = order.flatMap { i in withUnsafeBytes(of: Int32(i).littleEndian) { Array($0) } }
        group.broadcast(bytes: &bytes)
        return stride(from: 0, to: bytes.count - 3, by: 4).compactMap { k in
            let v = Int(Int32(littleEndian: bytes[k..<k + 4].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
            return parameters.indices.contains(v) ? v : nil
        }
    }

    /// Copies bucket `b`'s gradients (zeros for a parameter without one here) and starts their sum.
    private func start(_ b: Int) {
        var offset = 0
        let flat = flats[b]
        for i in buckets[b] {
            let t = parameters[i]
            if let g = t.grad {
                (flat.baseAddress! + offset).update(from: g.storage.pointer, count: t.count)
            } else {
                (flat.baseAddress! + offset).update(repeating: 0, count: t.count)
            }
            offset += t.count
        }
        group.startSum(flat)
    }
}
