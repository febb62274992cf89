import Dispatch
import Foundation
import LwMCore

/// A folder of JPEG and PNG images with one sub-folder per class, the layout torchvision's
/// `ImageFolder` reads.
///
/// Classes: the sub-folders' names sorted by their Unicode scalars (so `Faces` comes before
/// `accordion`, as Python's `sorted` has it); class id k is the k-th name. Hidden files and
/// folders (names starting with a dot) are ignored; files in nested folders of a class
/// folder belong to the class. A file's format is told by its first bytes, not its name.
///
/// Split, in this order of precedence:
/// 1. `trainList` and `testList` given: the images they list, one path per line relative to
///    the folder (`accordion/image_0001.jpg`), in list order; a path's first component is
///    its class folder. Blank lines are skipped.
/// 2. The folder holds `train/` and `val/` (or `test/`): each is a folder of class folders,
///    and the classes are the names found in either.
/// 3. Otherwise a seeded hold-out: in each class, `testFraction` of the files (rounded, and
///    leaving at least one for training) go to the test split, drawn by Fisher–Yates on
///    `SeededGenerator(seed: splitSeed, stream: [0x5B117, FNV-1a of the class name])`.
///    Both splits keep the files' sorted order.
///
/// Every image is decoded once, on all cores, then resized so its shorter side is S and
/// centre-cropped to S×S (`RGBImage.resizedAndCentreCropped(to:)`); a JPEG larger than 2S
/// on its shorter side is first decoded at a reduced size by libjpeg's DCT scaling, which
/// saves most of the decoding and keeps a factor of two for the final filter. Grayscale and
/// palette images become RGB.
///
/// With a cache directory, the result is saved by `DatasetCache` under a key made of: the
/// format version, S, the folder's absolute path, the split mode with the lists' full
/// contents (or the fraction and seed), the excluded class names, and every file's relative
/// path, size and modification time. Changing any of them makes a new key; nothing else is
/// trusted.
public enum ImageFolder {
    /// The file or folder names of the split folders layout.
    static let trainFolderName = "train"
    static let testFolderNames = ["val", "test"]

    /// Loads the training and test images of an image folder at `imageSize`×`imageSize`.
    ///
    /// - Parameters:
    ///   - directory: the folder of class folders (or of `train/` and `val/`).
    ///   - imageSize: the side S of the square RGB images, at least 1.
    ///   - options: the split lists or hold-out fraction and seed, the bad-image policy and
    ///     the cache directory.
    ///   - excluded: sub-folder names that are not classes.
    /// - Returns: both splits with every bad image listed once; a bad image is a file that
    ///   is empty, truncated, corrupt, neither JPEG nor PNG, or unreadable (a dangling link,
    ///   a directory, a listed path that does not exist), or a class folder without files.
    /// - Throws: `DataError` when the folder or a list cannot be read, when only one list is
    ///   given, when `testFraction` is outside 0...1, when there are no class folders or no
    ///   usable training image, and, under `BadImagePolicy.fail`, for the first bad image.
    public static func load(
        directory: URL, imageSize: Int, options: DatasetOptions,
        excludingClasses excluded: Set<String> = []
    ) throws -> LoadedDataset {
        guard imageSize >= 1 else {
            throw DataError("The image size must be at least 1 pixel, got \(imageSize).")
        }
        let root = directory.standardizedFileURL
        try requireDirectory(root)
        let plan = try ImageFolderPlan(root: root, options: options, excluded: excluded)
        if options.onBadImage == .fail, let first = plan.badImages.first {
            throw first.error
        }

        let key = "lwm image folder cache v\(DatasetCache.version)\nsize \(imageSize)\n"
        let keyBytes = Array((key + plan.keyText).utf8)
        let cacheFile = options.cacheDirectory.map {
            DatasetCache.file(in: $0.standardizedFileURL, key: keyBytes)
        }
        if let cacheFile, let cached = DatasetCache.read(cacheFile, key: keyBytes) {
            if options.onBadImage == .fail, let first = cached.badImages.first {
                throw first.error
            }
            return cached
        }

        let (train, trainBad) = decode(plan.train, classNames: plan.classNames, size: imageSize)
        let (test, testBad) = decode(plan.test, classNames: plan.classNames, size: imageSize)
        let badImages = plan.badImages + trainBad + testBad
        if options.onBadImage == .fail, let first = badImages.first {
            throw first.error
        }
        guard train.count > 0 else {
            throw DataError(
                """
                \(root.path) yields no usable training image (\(plan.train.count) listed, \
                \(trainBad.count) bad); check the folder's layout (one sub-folder per class) and \
                the training list.
                """)
        }

        var loaded = LoadedDataset(train: train, test: test, badImages: badImages)
        if let cacheFile {
            loaded.cache = DatasetCache.write(loaded, to: cacheFile, key: keyBytes)
        }
        return loaded
    }

    /// Throws unless `url` is an existing directory.
    static func requireDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw DataError(
                """
                \(url.path) is not a directory; pass the folder that holds one sub-folder of \
                images per class.
                """)
        }
    }

    // MARK: - Decoding

    /// Decodes, resizes and crops `entries` on all cores, keeping the images that decode in
    /// entry order, and reports the others.
    static func decode(
        _ entries: [ImageFolderPlan.Entry], classNames: [String], size: Int
    ) -> (ImageDataset, [BadImage]) {
        let slot = 3 * size * size
        var pixels = [UInt8](repeating: 0, count: entries.count * slot)
        var failures = [String?](repeating: nil, count: entries.count)
        pixels.withUnsafeMutableBufferPointer { pixels in
            failures.withUnsafeMutableBufferPointer { failures in
                // Each iteration writes only its own slot and its own failure, so the threads
                // share the buffers without a race.
                nonisolated(unsafe) let pixels = pixels
                nonisolated(unsafe) let failures = failures
                DispatchQueue.concurrentPerform(iterations: entries.count) { i in
                    do throws(ImageError) {
                        let bytes = try FileBytes.read(entries[i].path)
                        let image = try ImageCodec.decode(bytes, minimumShortSide: 2 * size)
                        let square = image.resizedAndCentreCropped(to: size)
                        square.withUnsafeBufferPointer {
                            (pixels.baseAddress! + i * slot).update(
                                from: $0.baseAddress!, count: slot)
                        }
                    } catch {
                        failures[i] = error.reason
                    }
                }
            }
        }

        var kept = 0
        var labels: [Int] = []
        var bad: [BadImage] = []
        for (i, entry) in entries.enumerated() {
            if let reason = failures[i] {
                bad.append(BadImage(path: entry.path, reason: reason))
                continue
            }
            if kept != i {
                pixels.withUnsafeMutableBufferPointer {
                    ($0.baseAddress! + kept * slot).update(
                        from: $0.baseAddress! + i * slot, count: slot)
                }
            }
            labels.append(entry.label)
            kept += 1
        }
        pixels.removeLast((entries.count - kept) * slot)
        let dataset = ImageDataset(
            pixels: pixels, labels: labels, channels: 3, height: size, width: size,
            classNames: classNames)
        return (dataset, bad)
    }
}
