import Foundation

/// Which of CIFAR-100's two labels a load uses.
public enum CIFARLabels: String, Sendable, Codable, CaseIterable {
    /// The 100 classes.
    case fine
    /// The 20 superclasses.
    case coarse
}

/// CIFAR-10 and CIFAR-100 in their binary versions (`cifar-10-binary.tar.gz`,
/// `cifar-100-binary.tar.gz`).
///
/// Records are fixed-size and stored back to back: CIFAR-10's are one label byte and 3,072
/// pixel bytes, CIFAR-100's a coarse label byte, a fine label byte and 3,072 pixel bytes. The
/// pixels are 32×32 images as three planes, red, green, blue, each row-major: already the
/// C×H×W layout of `ImageDataset`.
///
/// A directory may be the extracted folder itself (`cifar-10-batches-bin`,
/// `cifar-100-binary`) or the folder that holds it.
public enum CIFAR {
    /// The files of each split of CIFAR-10.
    public static let cifar10Files: [Split: [String]] = [
        .train: (1...5).map { "data_batch_\($0).bin" }, .test: ["test_batch.bin"],
    ]
    /// The files of each split of CIFAR-100.
    public static let cifar100Files: [Split: [String]] = [
        .train: ["train.bin"], .test: ["test.bin"],
    ]
    /// Bytes per image: 3 × 32 × 32.
    public static let imageBytes = 3 * 32 * 32

    /// Loads one split of CIFAR-10, with the class names of `batches.meta.txt` when present.
    ///
    /// - Parameters:
    ///   - directory: the folder holding the batch files, or the one holding
    ///     `cifar-10-batches-bin`.
    ///   - split: `.train` reads `data_batch_1.bin` to `data_batch_5.bin` in order, `.test`
    ///     reads `test_batch.bin`.
    /// - Throws: `DataError` naming the file when one is missing (listing every path looked
    ///   for), cannot be read, is not a whole number of records, or holds a label of 10 or
    ///   more.
    public static func loadCIFAR10(directory: URL, split: Split) throws -> ImageDataset {
        let folder = try locate(
            directory: directory, subfolder: "cifar-10-batches-bin", files: cifar10Files[split]!)
        var pixels: [UInt8] = []
        var labels: [Int] = []
        for name in cifar10Files[split]! {
            try readRecords(
                folder.appendingPathComponent(name), labelBytes: 1, labelOffset: 0,
                numberOfClasses: 10, what: "label", pixels: &pixels, labels: &labels)
        }
        let names = classNames(folder.appendingPathComponent("batches.meta.txt"), count: 10)
        return ImageDataset(
            pixels: pixels, labels: labels, channels: 3, height: 32, width: 32, classNames: names)
    }

    /// Loads one split of CIFAR-100 with its fine (100 classes) or coarse (20 superclasses)
    /// labels, and the names of `fine_label_names.txt` or `coarse_label_names.txt` when
    /// present.
    ///
    /// - Parameters:
    ///   - directory: the folder holding `train.bin` and `test.bin`, or the one holding
    ///     `cifar-100-binary`.
    ///   - split: `.train` reads `train.bin`, `.test` reads `test.bin`.
    ///   - labels: which label byte of each record becomes the image's label.
    /// - Throws: `DataError` naming the file when it is missing (listing every path looked
    ///   for), cannot be read, is not a whole number of records, or holds a fine label of 100
    ///   or more or a coarse label of 20 or more.
    public static func loadCIFAR100(
        directory: URL, split: Split, labels mode: CIFARLabels = .fine
    ) throws -> ImageDataset {
        let folder = try locate(
            directory: directory, subfolder: "cifar-100-binary", files: cifar100Files[split]!)
        let classes = mode == .fine ? 100 : 20
        var pixels: [UInt8] = []
        var labels: [Int] = []
        for name in cifar100Files[split]! {
            try readRecords(
                folder.appendingPathComponent(name), labelBytes: 2,
                labelOffset: mode == .fine ? 1 : 0, numberOfClasses: classes,
                what: "\(mode.rawValue) label", pixels: &pixels, labels: &labels)
        }
        let names = classNames(
            folder.appendingPathComponent("\(mode.rawValue)_label_names.txt"), count: classes)
        return ImageDataset(
            pixels: pixels, labels: labels, channels: 3, height: 32, width: 32, classNames: names)
    }

    // MARK: - Files

    /// `directory` if it holds every one of `files`, else `directory/subfolder` if that does.
    private static func locate(directory: URL, subfolder: String, files: [String]) throws -> URL {
        let candidates = [directory, directory.appendingPathComponent(subfolder)]
        let fileManager = FileManager.default
        for folder in candidates
        where files.allSatisfy({
            fileManager.fileExists(atPath: folder.appendingPathComponent($0).path)
        }) {
            return folder
        }
        let looked = candidates.flatMap { folder in
            files.map { folder.appendingPathComponent($0).path }
        }
        throw DataError(
            """
            The CIFAR files were not found: looked for \(looked.joined(separator: ", ")); pass \
            the folder extracted from the dataset's binary version (\(subfolder)) or its parent.
            """)
    }

    /// Appends the images and labels of one file of records of `labelBytes` + 3,072 bytes,
    /// taking the label byte at `labelOffset`.
    private static func readRecords(
        _ url: URL, labelBytes: Int, labelOffset: Int, numberOfClasses: Int, what: String,
        pixels: inout [UInt8], labels: inout [Int]
    ) throws {
        let bytes: [UInt8]
        do throws(ImageError) {
            bytes = try FileBytes.read(url.path)
        } catch {
            throw DataError(
                "\(url.path): \(error.reason); check that it is a readable CIFAR batch file.")
        }
        let recordSize = labelBytes + imageBytes
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DataError(
                """
                \(url.path) is \(bytes.count) bytes long, not a positive multiple of the \
                \(recordSize)-byte record (\(labelBytes) label byte\(labelBytes > 1 ? "s" : "") \
                and \(imageBytes) pixel bytes); the file is truncated or not from this dataset: \
                download and extract it again.
                """)
        }

        let count = bytes.count / recordSize
        pixels.reserveCapacity(pixels.count + count * imageBytes)
        labels.reserveCapacity(labels.count + count)
        for record in 0..<count {
            let start = record * recordSize
            let label = Int(bytes[start + labelOffset])
            guard label < numberOfClasses else {
                throw DataError(
                    """
                    \(url.path) has \(what) \(label) in record \(record), out of range for \
                    \(numberOfClasses) classes (0...\(numberOfClasses - 1)); the file is corrupt \
                    or from another dataset: download and extract it again.
                    """)
            }
            labels.append(label)
            pixels.append(contentsOf: bytes[start + labelBytes..<start + recordSize])
        }
    }

    /// The non-empty lines of a names file when it has exactly `count` of them, else "0", "1",
    /// …; a missing or unreadable names file is not an error, the names being cosmetic.
    private static func classNames(_ url: URL, count: Int) -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return ImageDataset.numberedClassNames(count)
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return names.count == count ? names : ImageDataset.numberedClassNames(count)
    }
}
