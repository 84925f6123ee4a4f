/// Dividing a total among classes in proportion to their sizes.

/// Splits `total` among classes proportionally to `counts` by largest remainder: class c gets
/// floor(total·counts[c]/sum) or one more, the extra units going to the largest fractional parts (ties to the
/// lower class index), so the result sums to exactly `total`. Requires 0 ≤ total ≤ sum(counts).
func proportionalAllocation(_ counts: [Int], total: Int) -> [Int] {
    let sum = counts.reduce(0, +)
    precondition(total >= 0 && total <= sum, "allocation of \(total) from \(sum)")
    guard sum > 0 else { return counts.map { _ in 0 } }
    // Exact integer arithmetic: quota = counts[c]·total / sum as quotient and remainder.
    var allocation = counts.map { $0 * total / sum }
    let remainders = counts.map { $0 * total % sum }
    let missing = total - allocation.reduce(0, +)
    let order = counts.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
    for c in order.prefix(missing) { allocation[c] += 1 }
    return allocation
}
