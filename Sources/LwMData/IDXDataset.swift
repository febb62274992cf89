import Foundation

/// Which half of a dataset.
public enum Split: String, Sendable, Codable, CaseIterable {
    case train
    case test
}

/// Datasets stored as IDX files: MNIST, Fashion-MNIST, KMNIST, EMNIST.
///
/// A directory holds four files, each raw or gzip-compressed (told apart by content, not by
/// name): `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, with or without `.gz`. Failing those names, a file whose name
/// contains the stem is taken when it is the only one, which covers EMNIST's
/// `emnist-balanced-train-images-idx3-ubyte` (EMNIST says `test` for `t10k`) and the
/// `train-images.idx3-ubyte` spelling of some mirrors. EMNIST stores images transposed; they
/// are loaded as stored.
public enum IDXDataset {
    /// Fashion-MNIST's class names, by label.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
        "Bag", "Ankle boot",
    ]

    /// Loads one split from a directory of IDX files.
    ///
    /// - Parameters:
    ///   - directory: the directory holding the IDX files.
    ///   - split: which pair of files to read.
    ///   - numberOfClasses: the dataset's class count, which every label must be below; `nil`
    ///     takes the largest label plus one.
    /// - Returns: one-channel images, with Fashion-MNIST's class names when the directory's
    ///   path contains "fashion" and there are 10 classes, otherwise "0", "1", ….
    /// - Throws: `DataError` when a file is missing or ambiguous, or as
    ///   `load(images:labels:numberOfClasses:classNames:)` does.
    public static func load(
        directory: URL, split: Split, numberOfClasses: Int? = nil
    ) throws
        -> ImageDataset
    {
        let (images, labels) = try locate(directory: directory, split: split)
        let isFashion = directory.standardizedFileURL.path.lowercased().contains("fashion")
        return try load(
            images: images, labels: labels, numberOfClasses: numberOfClasses,
            classNames: isFashion && (numberOfClasses ?? 10) == 10
                ? fashionMNISTClassNames : nil)
    }

    /// Loads an images file (N×H×W) and a labels file (N) into a one-channel dataset.
    ///
    /// - Parameters:
    ///   - images: the IDX images file, raw or gzip.
    ///   - labels: the IDX labels file, raw or gzip.
    ///   - numberOfClasses: the class count every label must be below; `nil` takes the largest
    ///     label plus one.
    ///   - classNames: names by label; `nil` numbers them. Its count must then match the
    ///     class count or it is ignored.
    /// - Throws: `DataError` naming the file when one cannot be read or is malformed (see
    ///   `IDX.read`), when the two files hold different numbers of samples, when the images
    ///   are empty in height or width, or when a label is not below `numberOfClasses`.
    public static func load(
        images: URL, labels: URL, numberOfClasses: Int?, classNames: [String]? = nil
    ) throws -> ImageDataset {
        if let numberOfClasses, numberOfClasses < 1 {
            throw DataError(
                """
                The number of classes must be at least 1, got \(numberOfClasses); pass the \
                dataset's class count or leave it unset to infer it from \(labels.path).
                """)
        }
        let imageArray = try IDX.read(images, dimensions: 3)
        let labelArray = try IDX.read(labels, dimensions: 1)

        let (n, height, width) =
            (imageArray.dimensions[0], imageArray.dimensions[1], imageArray.dimensions[2])
        guard labelArray.dimensions[0] == n else {
            throw DataError(
                """
                \(images.path) holds \(n) images but \(labels.path) holds \
                \(labelArray.dimensions[0]) labels; the two files must come from the same split of \
                the same dataset.
                """)
        }
        guard height > 0, width > 0 else {
            throw DataError(
                """
                \(images.path) declares images of \(height)×\(width) pixels; images need at least \
                one row and one column.
                """)
        }

        let values = labelArray.elements.map(Int.init)
        if let numberOfClasses,
            let bad = values.firstIndex(where: { $0 >= numberOfClasses })
        {
            throw DataError(
                """
                \(labels.path) has label \(values[bad]) at index \(bad), out of range for \
                \(numberOfClasses) classes (0...\(numberOfClasses - 1)); pass the dataset's real \
                class count or check that the file belongs to this dataset.
                """)
        }
        let classCount = numberOfClasses ?? ((values.max() ?? -1) + 1)
        let names =
            classNames.flatMap { $0.count == classCount ? $0 : nil }
            ?? ImageDataset.numberedClassNames(classCount)
        return ImageDataset(
            pixels: imageArray.elements, labels: values, channels: 1, height: height,
            width: width, classNames: names)
    }

    /// The images file and the labels file of `split` in `directory`.
    ///
    /// - Throws: `DataError` when the directory does not exist, or a file is found under none
    ///   of the accepted names, or several files match a name stem.
    public static func locate(directory: URL, split: Split) throws -> (images: URL, labels: URL) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw DataError(
                """
                \(directory.path) is not a directory; pass the directory that holds the dataset's \
                four IDX files.
                """)
        }
        let prefixes = split == .train ? ["train"] : ["t10k", "test"]
        return (
            try locate(directory: directory, stems: prefixes.map { $0 + "-images-idx3-ubyte" }),
            try locate(directory: directory, stems: prefixes.map { $0 + "-labels-idx1-ubyte" })
        )
    }

    /// The file for the first of `stems` under its exact name (raw before `.gz`), else the one
    /// file whose name contains any stem (or the stem with `.` before `idx`).
    private static func locate(directory: URL, stems: [String]) throws -> URL {
        let fileManager = FileManager.default
        let exact = [stems[0], stems[0] + ".gz"]
        for name in exact {
            let url = directory.appendingPathComponent(name)
            if fileManager.fileExists(atPath: url.path) { return url }
        }

        let patterns = stems.flatMap { [$0, $0.replacingOccurrences(of: "-idx", with: ".idx")] }
        let names = (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
        let matches = names.filter { name in
            !name.hasPrefix(".") && patterns.contains { name.contains($0) }
        }.sorted()
        // The same file both raw and compressed is one file, not an ambiguity.
        let distinct = Set(matches.map { $0.hasSuffix(".gz") ? String($0.dropLast(3)) : $0 })
        if distinct.count == 1 {
            let name = matches.first { !$0.hasSuffix(".gz") } ?? matches[0]
            return directory.appendingPathComponent(name)
        }

        if matches.isEmpty {
            throw DataError(
                """
                \(directory.path) has no file named \(exact.joined(separator: " or ")) nor any \
                name containing \(patterns.joined(separator: " or ")); put the dataset's IDX files \
                there or pass the directory that holds them.
                """)
        }
        throw DataError(
            """
            \(directory.path) has several files matching \(patterns.joined(separator: " or ")): \
            \(matches.joined(separator: ", ")); keep one dataset per directory.
            """)
    }
}
