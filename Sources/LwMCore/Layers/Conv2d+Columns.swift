// im2col and col2im for C×N×H×W activations.
//
// The column matrix of a chunk of `images` images has one row per (ci, kh, kw) and one column
// per (n, oh, ow): columns[(ci·kh + i)·kw + j][(n·OH + oh)·OW + ow] =
// input[ci][first + n][oh·stride − pad + i][ow·stride − pad + j], zero outside the image.

extension Conv2d {
    /// Fills `columns` (Cin·kh·kw rows × images·OH·OW) from the given images of `input`.
    func im2col(
        input: UnsafePointer<Float>, shape: ActivationShape, firstImage: Int, images: Int,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let out = outputShape(for: shape)
        let (height, width) = (shape.height, shape.width)
        let (outHeight, outWidth) = (out.height, out.width)
        let rowLength = images * out.spatial
        var row = columns
        for channel in 0..<inputChannels {
            let plane = input + (channel * shape.batch + firstImage) * shape.spatial
            for i in 0..<kernelSize {
                for j in 0..<kernelSize {
                    // Output columns whose input column lies inside the image.
                    let (low, high) = validRange(offset: j - padding, inputSize: width, outputSize: outWidth)
                    var destination = row
                    for n in 0..<images {
                        let image = plane + n * shape.spatial
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + i
                            if ih < 0 || ih >= height {
                                destination.zero(outWidth)
                            } else {
                                let source = image + ih * width + (j - padding)
                                if low > 0 { destination.zero(low) }
                                if stride == 1 {
                                    (destination + low).update(from: source + low, count: high - low)
                                } else {
                                    for ow in low..<high { destination[ow] = source[ow * stride] }
                                }
                                if high < outWidth { (destination + high).zero(outWidth - high) }
                            }
                            destination += outWidth
                        }
                    }
                    row += rowLength
                }
            }
        }
    }

    /// Adds each entry of `columns` back onto the input position it was read from.
    func col2im(
        _ columns: UnsafePointer<Float>, shape: ActivationShape, firstImage: Int, images: Int,
        into dInput: UnsafeMutablePointer<Float>
    ) {
        let out = outputShape(for: shape)
        let (height, width) = (shape.height, shape.width)
        let (outHeight, outWidth) = (out.height, out.width)
        let rowLength = images * out.spatial
        var row = columns
        for channel in 0..<inputChannels {
            let plane = dInput + (channel * shape.batch + firstImage) * shape.spatial
            for i in 0..<kernelSize {
                for j in 0..<kernelSize {
                    let (low, high) = validRange(offset: j - padding, inputSize: width, outputSize: outWidth)
                    var source = row
                    for n in 0..<images {
                        let image = plane + n * shape.spatial
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + i
                            if ih >= 0 && ih < height {
                                let destination = image + ih * width + (j - padding)
                                if stride == 1 {
                                    for ow in low..<high { destination[ow] += source[ow] }
                                } else {
                                    for ow in low..<high { destination[ow * stride] += source[ow] }
                                }
                            }
                            source += outWidth
                        }
                    }
                    row += rowLength
                }
            }
        }
    }

    /// The output columns `low..<high` for which `ow·stride + offset` is inside `0..<inputSize`.
    @inline(__always)
    private func validRange(offset: Int, inputSize: Int, outputSize: Int) -> (Int, Int) {
        // ow·stride + offset ≥ 0  ⇔  ow ≥ ⌈−offset / stride⌉
        let low = offset >= 0 ? 0 : min(outputSize, (-offset + stride - 1) / stride)
        // ow·stride + offset ≤ inputSize − 1  ⇔  ow ≤ ⌊(inputSize − 1 − offset) / stride⌋
        let last = inputSize - 1 - offset
        let high = last < 0 ? 0 : min(outputSize, last / stride + 1)
        return (low, max(low, high))
    }
}
