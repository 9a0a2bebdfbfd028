/// The float32 memory behind one or more tensors (a reshape shares it). Returned to the pool on deinit.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    let capacity: Int

    /// Uninitialised storage of `count` floats.
    public init(count: Int) {
        let (p, cap) = BufferPool.shared.acquire(max(count, 1))
        pointer = p
        capacity = cap
        self.count = count
    }

    /// Storage filled with `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.update(repeating: value, count: count)
    }

    deinit { BufferPool.shared.release(pointer, capacity: capacity) }

    @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
