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
///   as DDP's `broadcast_buffers`; after backward, gradients are summed in buckets of about
///   `bucketBytes` (one MPI_Allreduce each) and divided by the number of ranks.
/// - Parameters are visited in the order of their module name and key, never of a dictionary, so every
///   rank lays out the same buckets.
final class DataParallel {
    let group: ProcessGroup
    let parameters: [Tensor]
    let buffers: [Buffer]
    static let bucketBytes = 4 << 20
    /// Seconds spent in the gradient all-reduce and buffer broadcasts since `takeCommunicationSeconds`
    /// (logged per epoch as `allreduce_seconds`, to weigh communication against the step).
    private var communication = 0.0

    func takeCommunicationSeconds() -> Double {
        defer { communication = 0 }
        return communication
    }

    init(method: any Method, group: ProcessGroup, syncBatchNorm: Bool) {
        self.group = group
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

    /// Gradients averaged over the ranks. A parameter that has a gradient on some rank only (a branch
    /// taken by one rank's data) gets zeros elsewhere first, so every rank sums the same buckets.
    func averageGradients() {
        let start = Date()
        defer { communication += Date().timeIntervalSince(start) }
        let present = group.allReduceMax(parameters.map { $0.grad == nil ? 0 : 1 })
        var bucket: [Tensor] = [], bytes = 0
        for (t, p) in zip(parameters, present) where p > 0 {
            if t.grad == nil { t.grad = Tensor.zeros(t.shape) }
            bucket.append(t.grad!)
            bytes += t.count * 4
            if bytes >= DataParallel.bucketBytes { reduce(bucket); bucket = []; bytes = 0 }
        }
        if !bucket.isEmpty { reduce(bucket) }
    }

    private func reduce(_ grads: [Tensor]) {
        let total = grads.reduce(0) { $0 + $1.count }
        let scale = 1 / Float(group.size)
        let flat = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        defer { flat.deallocate() }
        var offset = 0
        for g in grads {
            (flat.baseAddress! + offset).update(from: g.storage.pointer, count: g.count)
            offset += g.count
        }
        group.allReduceSum(flat)
        offset = 0
        for g in grads {
            let p = g.storage.pointer
            for i in 0..<g.count { p[i] = flat[offset + i] * scale }
            offset += g.count
        }
    }
}
