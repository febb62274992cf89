extension ImageDataset {
    /// The images at `indices`, in that order, with their labels and the same class names.
    ///
    /// - Parameter indices: sample indices, each in `0..<count`; repeats are allowed.
    public func subset(_ indices: some Collection<Int>) -> ImageDataset {
        let size = imageSize
        var newPixels: [UInt8] = []
        newPixels.reserveCapacity(indices.count * size)
        var newLabels: [Int] = []
        newLabels.reserveCapacity(indices.count)
        for index in indices {
            precondition((0..<count).contains(index), "sample \(index) of \(count)")
            newPixels += pixels[index * size..<(index + 1) * size]
            newLabels.append(labels[index])
        }
        return ImageDataset(
            pixels: newPixels, labels: newLabels, channels: channels, height: height,
            width: width, classNames: classNames)
    }

    /// The first `k` images of each class in file order (fewer for a class with fewer images),
    /// kept in file order; for quick runs and tests on a balanced slice of a dataset.
    public func firstPerClass(_ k: Int) -> ImageDataset {
        precondition(k >= 0, "firstPerClass needs k ≥ 0, got \(k)")
        var taken = [Int](repeating: 0, count: numberOfClasses)
        var chosen: [Int] = []
        for (index, label) in labels.enumerated() where taken[label] < k {
            taken[label] += 1
            chosen.append(index)
        }
        return subset(chosen)
    }

    /// The indices, ascending, of the images whose label is in `classes`.
    ///
    /// - Parameter classes: original class ids, as stored in `labels`; the dataset never
    ///   holds remapped labels (remapping to output units is `ClassSchedule.remap(labels:)`).
    public func indices(ofClasses classes: Set<Int>) -> [Int] {
        labels.indices.filter { classes.contains(labels[$0]) }
    }
}
