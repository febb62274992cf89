/// An owned, fixed-capacity block of Float32 that never moves and is never copied on write.
///
/// Activations, gradients and workspaces live in these so that the hot path works on stable
/// raw pointers: no array copy-on-write, no ARC traffic inside loops. A buffer only grows, so a
/// smaller batch reuses the memory of a larger one.
public final class FloatBuffer {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for at least `count` floats and returns the (possibly new) base pointer.
    /// Growing discards the contents: callers reserve before they write.
    @discardableResult
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        return pointer
    }

    public func zero(count: Int) {
        pointer.update(repeating: 0, count: count)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Sets `count` floats to zero.
    @inline(__always)
    public func zero(_ count: Int) { update(repeating: 0, count: count) }
}
