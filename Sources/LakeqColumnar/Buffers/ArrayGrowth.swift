extension Array {
    /// Makes room for `n` more elements, growing geometrically. `reserveCapacity(count + n)`
    /// allocates exactly that much, so calling it once per page or batch copies the whole
    /// array every time (quadratic in the number of pages); this keeps appends amortized O(1).
    @inlinable
    public mutating func reserveForAppending(_ n: Int) {
        let needed = count + n
        if needed > capacity { reserveCapacity(Swift.max(needed, capacity * 2)) }
    }
}
