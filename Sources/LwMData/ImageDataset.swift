/// Images and their labels, held in memory as the raw bytes of the files they came from.
///
/// Layout: `pixels` is N×C×H×W, one byte (0...255) per value; normalisation happens when a
/// batch is made (`makeBatch`), so the dataset stays a quarter of the size of a float copy.
/// `labels` are the dataset's original class ids; a `ClassSchedule` maps them to output units.
public struct ImageDataset: Sendable, Equatable {
    /// N×C×H×W bytes.
    public var pixels: [UInt8]
    /// N original class ids, each in `0..<classNames.count`.
    public var labels: [Int]
    public let channels: Int
    public let height: Int
    public let width: Int
    /// The name of each class id; "0", "1", … when the files carry no names.
    public var classNames: [String]

    /// The number of images.
    public var count: Int { labels.count }
    /// The number of classes the dataset is declared to have (not all need images).
    public var numberOfClasses: Int { classNames.count }
    /// Bytes per image: C·H·W.
    public var imageSize: Int { channels * height * width }

    /// A dataset over `pixels`, which must hold `labels.count` images of C×H×W bytes, with
    /// every label in `0..<classNames.count`.
    public init(
        pixels: [UInt8], labels: [Int], channels: Int, height: Int, width: Int,
        classNames: [String]
    ) {
        precondition(channels > 0 && height > 0 && width > 0, "image dimensions must be positive")
        precondition(
            pixels.count == labels.count * channels * height * width,
            "\(pixels.count) pixel bytes do not make \(labels.count) images of "
                + "\(channels)×\(height)×\(width)")
        precondition(
            labels.allSatisfy { (0..<classNames.count).contains($0) },
            "a label is outside 0..<\(classNames.count)")
        self.pixels = pixels
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
    }

    /// Names "0", "1", … for `count` classes.
    public static func numberedClassNames(_ count: Int) -> [String] {
        (0..<count).map(String.init)
    }
}
