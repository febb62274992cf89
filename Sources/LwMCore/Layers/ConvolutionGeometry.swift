/// The window of a convolution: channels it reads, kernel, stride, padding. It knows how to
/// lay a batch out as a column matrix (im2col) and fold one back (col2im).
///
/// The column matrix of a chunk of `images` images has one row per (c, i, j) and one column
/// per (n, oh, ow): columns[(c·k + i)·k + j][(n·OH + oh)·OW + ow] =
/// input[c][first + n][oh·stride − padding + i][ow·stride − padding + j], zero outside the
/// image. Activations are C×N×H×W, so each (c, n) plane is contiguous.
struct ConvolutionGeometry {
    var channels: Int
    var kernelSize: Int
    var stride: Int
    var padding: Int

    /// Rows of the column matrix.
    var patchSize: Int { channels * kernelSize * kernelSize }

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (
            (height + 2 * padding - kernelSize) / stride + 1,
            (width + 2 * padding - kernelSize) / stride + 1
        )
    }

    /// Stride 1 with an odd kernel and padding (k − 1)/2 keeps the size: every row of the
    /// column matrix is then the whole image plane shifted by one offset.
    var preservesSize: Bool { stride == 1 && kernelSize % 2 == 1 && padding == kernelSize / 2 }

    // MARK: - im2col

    /// Fills `columns` (patchSize rows × images·OH·OW) from images `first..<first + images`.
    func im2col(
        input: UnsafePointer<Float>, shape: ActivationShape, first: Int, images: Int,
        into columns: UnsafeMutablePointer<Float>
    ) {
        if preservesSize {
            shiftedPlanes(input: input, shape: shape, first: first, images: images, into: columns)
            return
        }
        let (height, width) = (shape.height, shape.width)
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let rowLength = images * outHeight * outWidth
        var row = columns
        for channel in 0..<channels {
            let plane = input + (channel * shape.batch + first) * shape.spatial
            for i in 0..<kernelSize {
                for j in 0..<kernelSize {
                    let (low, high) = validRange(
                        offset: j - padding, inputSize: width, outputSize: outWidth)
                    var destination = row
                    for n in 0..<images {
                        let image = plane + n * shape.spatial
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + i
                            if ih < 0 || ih >= height {
                                for ow in 0..<outWidth { destination[ow] = 0 }
                            } else {
                                let source = image + ih * width + (j - padding)
                                for ow in 0..<low { destination[ow] = 0 }
                                for ow in low..<high { destination[ow] = source[ow * stride] }
                                for ow in high..<outWidth { destination[ow] = 0 }
                            }
                            destination += outWidth
                        }
                    }
                    row += rowLength
                }
            }
        }
    }

    /// im2col of a size-preserving window. Row (c, i, j) is the run of planes (c, first…)
    /// read at the offset (i − p)·W + (j − p): the images of a channel are contiguous, so one
    /// copy serves the whole chunk, and only the positions whose read fell off the image (a
    /// border row or column, or a neighbouring image) are zeroed afterwards.
    private func shiftedPlanes(
        input: UnsafePointer<Float>, shape: ActivationShape, first: Int, images: Int,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let (height, width, spatial) = (shape.height, shape.width, shape.spatial)
        let rowLength = images * spatial
        var row = columns
        for channel in 0..<channels {
            let planes = input + (channel * shape.batch + first) * spatial
            for i in 0..<kernelSize {
                let rowShift = i - padding
                // Output rows oh whose input row oh + rowShift exists.
                let firstRow = max(0, -rowShift)
                let endRow = min(height, height - rowShift)
                for j in 0..<kernelSize {
                    let columnShift = j - padding
                    let offset = rowShift * width + columnShift
                    // Whole-chunk copy; reads stay inside the chunk's planes.
                    let copyStart = max(0, -offset)
                    let copyEnd = min(rowLength, rowLength - offset)
                    (row + copyStart).update(
                        from: planes + copyStart + offset, count: copyEnd - copyStart)
                    if copyStart > 0 { row.zero(copyStart) }
                    if copyEnd < rowLength { (row + copyEnd).zero(rowLength - copyEnd) }

                    for n in 0..<images {
                        let image = row + n * spatial
                        if firstRow > 0 { image.zero(firstRow * width) }
                        if endRow < height {
                            (image + endRow * width).zero((height - endRow) * width)
                        }
                        if columnShift < 0 {
                            for oh in firstRow..<endRow {
                                for ow in 0..<(-columnShift) { image[oh * width + ow] = 0 }
                            }
                        } else if columnShift > 0 {
                            for oh in firstRow..<endRow {
                                for ow in (width - columnShift)..<width {
                                    image[oh * width + ow] = 0
                                }
                            }
                        }
                    }
                    row += rowLength
                }
            }
        }
    }

    // MARK: - col2im

    /// Adds each entry of `columns` back onto the input position it was read from.
    func col2im(
        _ columns: UnsafePointer<Float>, shape: ActivationShape, first: Int, images: Int,
        into dInput: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (shape.height, shape.width)
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        let rowLength = images * outHeight * outWidth
        var row = columns
        for channel in 0..<channels {
            let plane = dInput + (channel * shape.batch + first) * shape.spatial
            for i in 0..<kernelSize {
                for j in 0..<kernelSize {
                    let (low, high) = validRange(
                        offset: j - padding, inputSize: width, outputSize: outWidth)
                    var source = row
                    for n in 0..<images {
                        let image = plane + n * shape.spatial
                        for oh in 0..<outHeight {
                            let ih = oh * stride - padding + i
                            if ih >= 0 && ih < height {
                                let destination = image + ih * width + (j - padding)
                                for ow in low..<high { destination[ow * stride] += source[ow] }
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
