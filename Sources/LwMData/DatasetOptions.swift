import Foundation

/// The choices a dataset load takes besides the preset and the directory; each has a default
/// that suits every preset, and each preset ignores the options that do not concern it.
public struct DatasetOptions: Sendable, Equatable {
    /// The side of the square images, for image folders; `nil` takes the preset's default.
    /// Fixed-size formats (IDX, CIFAR) accept only their stored size.
    public var imageSize: Int?
    /// CIFAR-100's labels: fine (100 classes) or coarse (20 superclasses).
    public var cifarLabels: CIFARLabels
    /// Image folders: files listing the training and the test images, one path per line
    /// relative to the image folder. Both or neither; see `ImageFolder`.
    public var trainList: URL?
    public var testList: URL?
    /// Image folders without a split: the fraction of each class held out for testing.
    public var testFraction: Double
    /// Image folders without a split: the seed of the hold-out draw. It is not the run's seed,
    /// so runs that differ only in their seed test on the same images.
    public var splitSeed: UInt64
    /// Image folders: what to do with an image that cannot be used.
    public var onBadImage: BadImagePolicy
    /// Image folders: where decoded datasets are cached; `nil` disables the cache.
    public var cacheDirectory: URL?

    public init(
        imageSize: Int? = nil, cifarLabels: CIFARLabels = .fine, trainList: URL? = nil,
        testList: URL? = nil, testFraction: Double = 0.2, splitSeed: UInt64 = 0,
        onBadImage: BadImagePolicy = .skip, cacheDirectory: URL? = nil
    ) {
        self.imageSize = imageSize
        self.cifarLabels = cifarLabels
        self.trainList = trainList
        self.testList = testList
        self.testFraction = testFraction
        self.splitSeed = splitSeed
        self.onBadImage = onBadImage
        self.cacheDirectory = cacheDirectory
    }

    /// `$XDG_CACHE_HOME/lwm`, else `~/.cache/lwm`: a cache directory for callers that want one
    /// outside the run's own folders.
    public static var userCacheDirectory: URL {
        if let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !base.isEmpty {
            return URL(fileURLWithPath: base).appendingPathComponent("lwm")
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/lwm")
    }
}
