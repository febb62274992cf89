import Foundation

/// Both splits of a dataset as loaded, with what the load left out and how it used the cache.
public struct LoadedDataset: Sendable, Equatable {
    public var train: ImageDataset
    public var test: ImageDataset
    /// Every image file or class folder left out under `BadImagePolicy.skip`, each once, in
    /// the order the load met them (training images first); empty for IDX and CIFAR.
    public var badImages: [BadImage]
    public var cache: CacheUse

    public init(
        train: ImageDataset, test: ImageDataset, badImages: [BadImage] = [],
        cache: CacheUse = .disabled
    ) {
        self.train = train
        self.test = test
        self.badImages = badImages
        self.cache = cache
    }
}

/// What a load did with its cache file.
public enum CacheUse: Sendable, Equatable {
    /// No cache: no cache directory was given, or the format is read directly.
    case disabled
    /// The datasets came from this cache file, no image was decoded.
    case loaded(URL)
    /// The images were decoded and saved to this cache file.
    case written(URL)
    /// The images were decoded but could not be saved there, for `reason`; the load itself
    /// succeeded.
    case notWritten(URL, reason: String)
}

/// Loads a preset's training and test splits from a directory.
public enum DatasetLoader {
    /// The preset's two splits.
    ///
    /// - IDX presets read the four files of `IDXDataset` (Fashion-MNIST with its class names,
    ///   10 classes for MNIST and Fashion-MNIST).
    /// - CIFAR presets read `CIFAR`'s binary files; `cifar100` with `options.cifarLabels`.
    /// - `caltech101` reads `101_ObjectCategories/` when `directory` holds it (else `directory`
    ///   itself) with the `train.txt` and `test.txt` that sit beside `101_ObjectCategories`,
    ///   unless `options` names lists; without lists it splits as any image folder. A
    ///   `BACKGROUND_Google` folder is not a class.
    /// - `imagefolder` reads `directory` as `ImageFolder` describes.
    ///
    /// - Throws: `DataError` when `options.imageSize` differs from a fixed-size format's
    ///   images, or as the format's loader does.
    public static func load(
        preset: DatasetPreset, directory: URL, options: DatasetOptions = DatasetOptions()
    ) throws -> LoadedDataset {
        if preset.hasFixedImageSize, let size = options.imageSize,
            let stored = preset.defaultImageSize, size != stored
        {
            throw DataError(
                """
                \(preset.rawValue) stores its images at \(stored)×\(stored) pixels, so an image \
                size of \(size) is not possible; leave the image size unset for this dataset.
                """)
        }

        switch preset {
        case .fashionMNIST, .mnist, .idx:
            let classes = preset.numberOfClasses()
            let names = preset == .fashionMNIST ? IDXDataset.fashionMNISTClassNames : nil
            var splits: [ImageDataset] = []
            for split in [Split.train, .test] {
                let (images, labels) = try IDXDataset.locate(directory: directory, split: split)
                splits.append(
                    try IDXDataset.load(
                        images: images, labels: labels, numberOfClasses: classes,
                        classNames: names))
            }
            return LoadedDataset(train: splits[0], test: splits[1])

        case .cifar10:
            return LoadedDataset(
                train: try CIFAR.loadCIFAR10(directory: directory, split: .train),
                test: try CIFAR.loadCIFAR10(directory: directory, split: .test))

        case .cifar100:
            return LoadedDataset(
                train: try CIFAR.loadCIFAR100(
                    directory: directory, split: .train, labels: options.cifarLabels),
                test: try CIFAR.loadCIFAR100(
                    directory: directory, split: .test, labels: options.cifarLabels))

        case .caltech101:
            let (images, resolved) = caltech101Layout(directory: directory, options: options)
            return try ImageFolder.load(
                directory: images, imageSize: options.imageSize ?? preset.defaultImageSize!,
                options: resolved, excludingClasses: ["BACKGROUND_Google"])

        case .imageFolder:
            return try ImageFolder.load(
                directory: directory, imageSize: options.imageSize ?? preset.defaultImageSize!,
                options: options)
        }
    }

    /// Caltech 101's image folder and, when `options` names no lists, the split lists
    /// `train.txt` and `test.txt` beside it: in `directory` when it holds
    /// `101_ObjectCategories`, in its parent when it is `101_ObjectCategories`. Lists are used
    /// only when both exist.
    static func caltech101Layout(
        directory: URL, options: DatasetOptions
    ) -> (images: URL, options: DatasetOptions) {
        let fileManager = FileManager.default
        let folderName = "101_ObjectCategories"
        let nested = directory.appendingPathComponent(folderName)
        let images = fileManager.fileExists(atPath: nested.path) ? nested : directory
        var resolved = options
        if options.trainList == nil && options.testList == nil
            && images.standardizedFileURL.lastPathComponent == folderName
        {
            let parent = images.standardizedFileURL.deletingLastPathComponent()
            let train = parent.appendingPathComponent("train.txt")
            let test = parent.appendingPathComponent("test.txt")
            if fileManager.fileExists(atPath: train.path)
                && fileManager.fileExists(atPath: test.path)
            {
                resolved.trainList = train
                resolved.testList = test
            }
        }
        return (images, resolved)
    }
}
