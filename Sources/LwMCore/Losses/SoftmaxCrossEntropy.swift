import Foundation

// Softmax-based losses over a range of columns of N×J logits. Every row subtracts its maximum
// before exponentiating (log-sum-exp), so large logits cannot overflow.

/// L_C: cross-entropy over the columns `classes` of `logits`, labels given as column indices.
///
/// Returns Σ_n loss_n / `normalizer` and adds `scale`·(softmax − onehot)/`normalizer` into
/// `dLogits` for the same columns. With `normalizer` the global batch size, summing the
/// returned values (and gradients) over ranks gives the batch mean.
func softmaxCrossEntropy(
    logits: UnsafePointer<Float>, columns: Int, batch: Int, classes: Range<Int>,
    labels: UnsafeBufferPointer<Int>, normalizer: Int, scale: Float,
    dLogits: UnsafeMutablePointer<Float>
) -> Double {
    var total: Double = 0
    let gradientScale = scale / Float(normalizer)
    for n in 0..<batch {
        let row = logits + n * columns + classes.lowerBound
        let dRow = dLogits + n * columns + classes.lowerBound
        let label = labels[n] - classes.lowerBound
        precondition(
            label >= 0 && label < classes.count,
            "label \(labels[n]) outside the loss's classes \(classes)")
        let logSumExp = logSumExpOfRow(row, count: classes.count, scale: 1).0
        total += logSumExp - Double(row[label])
        for j in 0..<classes.count {
            let probability = Float(Foundation.exp(Double(row[j]) - logSumExp))
            dRow[j] += gradientScale * (probability - (j == label ? 1 : 0))
        }
    }
    return total / Double(normalizer)
}

/// L_D: −Σ_i softmax(y/T)_i · log softmax(ŷ/T)_i over the first `classes` columns, where y
/// are the teacher's logits and ŷ the student's; no T² factor.
///
/// Returns Σ_n loss_n / `normalizer` and adds `scale`·(softmax(ŷ/T) − softmax(y/T))/(T·normalizer)
/// into the student's `dLogits`.
func distillation(
    teacherLogits: UnsafePointer<Float>, teacherColumns: Int,
    studentLogits: UnsafePointer<Float>, studentColumns: Int,
    batch: Int, classes: Int, temperature: Float, normalizer: Int, scale: Float,
    dLogits: UnsafeMutablePointer<Float>
) -> Double {
    var total: Double = 0
    let inverseT = 1 / temperature
    let gradientScale = scale / (temperature * Float(normalizer))
    var target = [Double](repeating: 0, count: classes)
    for n in 0..<batch {
        let teacherRow = teacherLogits + n * teacherColumns
        let studentRow = studentLogits + n * studentColumns
        let dRow = dLogits + n * studentColumns
        let teacherLSE = logSumExpOfRow(teacherRow, count: classes, scale: inverseT).0
        let studentLSE = logSumExpOfRow(studentRow, count: classes, scale: inverseT).0
        for i in 0..<classes {
            target[i] = Foundation.exp(Double(teacherRow[i] * inverseT) - teacherLSE)
            let logStudent = Double(studentRow[i] * inverseT) - studentLSE
            total -= target[i] * logStudent
            dRow[i] += gradientScale * Float(Foundation.exp(logStudent) - target[i])
        }
    }
    return total / Double(normalizer)
}

/// log Σ_j exp(scale·row[j]) computed as m + log Σ exp(scale·row[j] − m), m the scaled
/// maximum; returns it with m.
@inline(__always)
func logSumExpOfRow(_ row: UnsafePointer<Float>, count: Int, scale: Float) -> (Double, Float) {
    var maximum = -Float.infinity
    for j in 0..<count { maximum = max(maximum, row[j] * scale) }
    var sum: Double = 0
    for j in 0..<count { sum += Foundation.exp(Double(row[j] * scale - maximum)) }
    return (Double(maximum) + Foundation.log(sum), maximum)
}
